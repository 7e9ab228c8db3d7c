// The provider framework (see README.md in this folder). Resource impls import from here.
export * from "./unknown";
export * from "./path";
export * from "./sanitize";
export * from "./check";
export * from "./diff";
export * from "./errors";
export * from "./timeout";
export * from "./seconds";
export * from "./secrets";
export * from "./log";
export * from "./impl";
export * from "./provider";
export * from "./resource";
export * from "./stored";
