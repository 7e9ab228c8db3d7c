/**
 * Aliases as the engine resolves them (pulumi/pulumi pkg/resource/deploy/step_generator.go, read at commit 00285a9:
 * collapseAliasToUrn, inheritedChildAlias, generateAliases, and the old-state lookup in generateSteps).
 * A renamed resource is found in the prior state under one of its old URNs and carries on as the same
 * resource: nothing is created, nothing deleted. Pure: the monitor keeps the bookkeeping.
 */
import { makeUrn, ROOT_STACK_TYPE, urnName, urnQualifiedType, urnType } from "./urn";

/** One alias as the SDK sends it: an old URN, or a spec whose empty fields mean "as now". */
export type AliasSpec =
  | { urn: string }
  | { name?: string; type?: string; stack?: string; project?: string; parentUrn?: string; noParent?: boolean };

export interface AliasGoal {
  stack: string;
  project: string;
  type: string;
  name: string;
  parent: string | undefined;
  aliases: AliasSpec[];
}

/**
 * The old URNs a registration may be found under, in the engine's order: its own aliases, then the ones it
 * inherits from a parent that was itself found under an alias (`parentAliases`: new URN → old URN).
 */
export function aliasUrns(goal: AliasGoal, parentAliases: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  const add = (u: string) => {
    if (!out.includes(u)) out.push(u);
  };
  const own = goal.aliases.map((a) => collapse(goal, a, parentAliases));
  own.forEach(add);
  const parentAlias = goal.parent ? parentAliases.get(goal.parent) : undefined;
  if (goal.parent && parentAlias) {
    const parentName = urnName(goal.parent);
    add(inherited(goal, goal.type, goal.name, parentName, parentAlias));
    for (const u of own) add(inherited(goal, urnType(u), urnName(u), parentName, parentAlias));
  }
  return out;
}

function collapse(goal: AliasGoal, a: AliasSpec, parentAliases: ReadonlyMap<string, string>): string {
  if ("urn" in a) return a.urn;
  let parent = a.parentUrn || goal.parent;
  // a parent given in the alias that was itself renamed: this resource's old URN is under the parent's old one
  if (a.parentUrn && parentAliases.has(a.parentUrn)) parent = parentAliases.get(a.parentUrn);
  if (a.noParent || (parent && urnQualifiedType(parent) === ROOT_STACK_TYPE)) parent = undefined;
  return makeUrn(a.stack || goal.stack, a.project || goal.project, parent, a.type || goal.type, a.name || goal.name);
}

/** A child named after its parent (`${parent}-x`, the usual convention) is renamed with it. */
function inherited(goal: AliasGoal, type: string, name: string, parentName: string, parentAlias: string): string {
  const aliasName = name.startsWith(parentName) ? urnName(parentAlias) + name.slice(parentName.length) : name;
  return makeUrn(goal.stack, goal.project, parentAlias, type, aliasName);
}
