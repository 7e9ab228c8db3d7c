/**
 * Pulumi sends an input whose value is not known yet (during preview, an output of a resource that is still to be
 * created) as this exact string. It is the SDK's `runtime/rpc.unknownValue`; we keep our own copy so that core
 * does not reach into the SDK's internals (a unit test pins it to the SDK's value).
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

/** True when the value is unknown or holds an unknown anywhere inside it. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}
