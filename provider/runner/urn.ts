/** URNs as the engine writes them (sdk/go/common/resource/urn/urn.go at v3.270.0). */

/** The root stack resource's type: never part of a child's qualified type. */
export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * A URN as the engine makes it (urn.go, New): the parent's whole qualified type, then `$`, then the type,
 * except under the root stack, whose type is never a prefix.
 */
export function makeUrn(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
  let qualified = type;
  if (parent) {
    const parentQualified = urnQualifiedType(parent);
    if (parentQualified !== ROOT_STACK_TYPE) qualified = `${parentQualified}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** The qualified type: the parents' types and the resource's own, joined by `$`. */
export const urnQualifiedType = (urn: string) => urn.split("::")[2] ?? "";
/** The resource's own type, without its parents'. */
export const urnType = (urn: string) => urnQualifiedType(urn).split("$").pop() ?? "";
/** The resource's name: the rest after the type (a name may contain `::`, a type never does). */
export const urnName = (urn: string) => urn.split("::").slice(3).join("::");
