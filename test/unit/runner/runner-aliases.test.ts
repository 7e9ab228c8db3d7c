/**
 * Alias resolution as the engine does it (step_generator.go: collapseAliasToUrn, inheritedChildAlias,
 * generateAliases): each case is a rename a user makes, and the old URN the engine looks the resource up by.
 */
import { aliasUrns, type AliasGoal } from "../../../provider/runner/aliases";
import { makeUrn } from "../../../provider/runner/urn";

const STACK = makeUrn("lab", "runbook", undefined, "pulumi:pulumi:Stack", "runbook-lab");
const urn = (parent: string | undefined, type: string, name: string) => makeUrn("lab", "runbook", parent, type, name);
const goal = (g: Partial<AliasGoal>): AliasGoal => ({ stack: "lab", project: "runbook", type: "pulumi-nodejs:dynamic:NfsMount", name: "m", parent: STACK, aliases: [], ...g });
const none = new Map<string, string>();

describe("aliasUrns", () => {
  it("fills a spec's empty fields from the resource as registered now", () => {
    expect(aliasUrns(goal({ name: "node1-data", aliases: [{ name: "data" }] }), none)).toEqual([
      "urn:pulumi:lab::runbook::pulumi-nodejs:dynamic:NfsMount::data",
    ]);
    expect(aliasUrns(goal({ aliases: [{ type: "pulumi-nodejs:dynamic:Mount", stack: "old", project: "p2" }] }), none)).toEqual([
      "urn:pulumi:old::p2::pulumi-nodejs:dynamic:Mount::m",
    ]);
  });

  it("takes an old URN as it is, and keeps the order without repeats", () => {
    const old = "urn:pulumi:lab::runbook::pulumi-nodejs:dynamic:NfsMount::older";
    expect(aliasUrns(goal({ aliases: [{ urn: old }, { name: "older" }, { name: "x" }] }), none)).toEqual([old, urn(undefined, "pulumi-nodejs:dynamic:NfsMount", "x")]);
  });

  it("moves a resource into or out of a component: parentUrn and noParent", () => {
    const comp = urn(STACK, "xen-ha:index:XenHaCluster", "hc");
    // it now sits in the component; it used to sit at the top
    expect(aliasUrns(goal({ parent: comp, aliases: [{ noParent: true }] }), none)).toEqual([urn(undefined, "pulumi-nodejs:dynamic:NfsMount", "m")]);
    // it now sits at the top; it used to be the component's child
    expect(aliasUrns(goal({ aliases: [{ parentUrn: comp }] }), none)).toEqual([`urn:pulumi:lab::runbook::xen-ha:index:XenHaCluster$pulumi-nodejs:dynamic:NfsMount::m`]);
    // a parent that is the root stack is no parent: its type is never a prefix
    expect(aliasUrns(goal({ aliases: [{ parentUrn: STACK, name: "n" }] }), none)).toEqual([urn(undefined, "pulumi-nodejs:dynamic:NfsMount", "n")]);
  });

  it("renames a component's children with it when they are named after it", () => {
    const now = urn(STACK, "xen-ha:index:XenHaCluster", "prod");
    const before = urn(STACK, "xen-ha:index:XenHaCluster", "hc");
    const parents = new Map([[now, before]]);
    const child = goal({ parent: now, name: "prod-node1-mount" });
    expect(aliasUrns(child, parents)).toEqual([`urn:pulumi:lab::runbook::xen-ha:index:XenHaCluster$pulumi-nodejs:dynamic:NfsMount::hc-node1-mount`]);
    // a child not named after its parent keeps its name under the parent's old URN
    expect(aliasUrns(goal({ parent: now, name: "storage" }), parents)).toEqual([`urn:pulumi:lab::runbook::xen-ha:index:XenHaCluster$pulumi-nodejs:dynamic:NfsMount::storage`]);
    // its own alias, then the parent's rename applied to it, then to its own alias
    expect(aliasUrns(goal({ parent: now, name: "prod-a", aliases: [{ name: "prod-b" }] }), parents)).toEqual([
      `urn:pulumi:lab::runbook::xen-ha:index:XenHaCluster$pulumi-nodejs:dynamic:NfsMount::prod-b`,
      `urn:pulumi:lab::runbook::xen-ha:index:XenHaCluster$pulumi-nodejs:dynamic:NfsMount::hc-a`,
      `urn:pulumi:lab::runbook::xen-ha:index:XenHaCluster$pulumi-nodejs:dynamic:NfsMount::hc-b`,
    ]);
  });

  it("follows a parent's change of type into the child's qualified type", () => {
    const now = urn(STACK, "xen-ha:index:XenHaCluster", "hc");
    const before = urn(STACK, "my:index:Runbook", "hc");
    expect(aliasUrns(goal({ parent: now, name: "hc-x" }), new Map([[now, before]]))).toEqual([
      "urn:pulumi:lab::runbook::my:index:Runbook$pulumi-nodejs:dynamic:NfsMount::hc-x",
    ]);
  });

  it("has none without aliases and without a renamed parent", () => {
    expect(aliasUrns(goal({}), none)).toEqual([]);
  });
});
