// A module in the probes package that is not a resource, to test the framework's error for it.
export const notImpl = true;
