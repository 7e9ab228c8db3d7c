// placeholder so the build has an entry point; the public API is assembled here as modules land.
export {};
// Provider framework (provider/core): for writing further xen-ha-style resources.
export { makeProvider, XenHaResource, defineResource, diffFields, inputFields, mergeDiffs, PartialFailure, UNKNOWN, isUnknown, withTimeout, deadline } from "./core/index";
export type { ArgsOf, DeepInput, XenHaResourceSpec, ResourceImpl, ProviderContext, DiffResult, FieldDiffSpec, Logger, Deadline } from "./core/index";
