/**
 * XenHaCluster refuses a bad input in its constructor, with the component's field path, before any child is
 * registered (so before any child could dial a host).
 */
import * as pulumi from "@pulumi/pulumi";
import { clusterArgProblems } from "../../../provider/components/cluster-args";

const good = {
  toolstack: "xm",
  nfs: { address: "10.10.10.30", path: "/data" },
  nodes: [
    { name: "node1", migrationAddress: "192.168.233.150", storageAddress: "10.10.10.10" },
    { name: "node2", migrationAddress: "192.168.233.151", storageAddress: "10.10.10.20" },
  ],
  domains: [{ config: { name: "test01" }, desiredHost: "node2" }],
};
type Args = typeof good;
const node = (i: number, over: object) => ({ ...good, nodes: good.nodes.map((n, j) => (j === i ? { ...n, ...over } : n)) });

test("the runbook's inputs pass", () => {
  expect(clusterArgProblems(good)).toEqual([]);
});

test.each<[string, Args | object, RegExp]>([
  ["unknown toolstack", { ...good, toolstack: "xen" }, /^toolstack: must be "xm" or "xl"/],
  ["storage address *", node(0, { storageAddress: "*" }), /^nodes\[0\]\.storageAddress: must be a host name/],
  ["storage address a network", node(1, { storageAddress: "0.0.0.0/0" }), /^nodes\[1\]\.storageAddress: /],
  ["migration address out of range", node(0, { migrationAddress: "999.999.999.999" }), /^nodes\[0\]\.migrationAddress: is not a valid IPv4/],
  ["migration address :::", node(1, { migrationAddress: ":::" }), /^nodes\[1\]\.migrationAddress: is not a valid IPv6/],
  ["migration address an option", node(0, { migrationAddress: "-oProxyCommand=id" }), /^nodes\[0\]\.migrationAddress: must not start with '-'/],
  ["node name with a space", node(1, { name: "node 2" }), /^nodes\[1\]\.name: must be 1-63/],
  ["node name twice", node(1, { name: "node1" }), /^nodes\[1\]\.name: node1 is given twice/],
  ["one node", { ...good, nodes: [good.nodes[0]] }, /^nodes: needs at least two nodes/],
  ["nfs address with a shell word", { ...good, nfs: { ...good.nfs, address: "nfs;reboot" } }, /^nfs\.address: /],
  ["nfs path relative", { ...good, nfs: { ...good.nfs, path: "data" } }, /^nfs\.path: /],
  ["nfs path with ..", { ...good, nfs: { ...good.nfs, path: "/data/../etc" } }, /^nfs\.path: /],
  ["domain name an option", { ...good, domains: [{ config: { name: "-test01" }, desiredHost: "node2" }] }, /^domains\[0\]\.config\.name: /],
  ["domain name with look-alike letters", { ...good, domains: [{ config: { name: "tеst01" }, desiredHost: "node2" }] }, /^domains\[0\]\.config\.name: /],
  ["domain twice", { ...good, domains: [good.domains[0], good.domains[0]] }, /^domains\[1\]\.config\.name: test01 is given twice/],
  ["desired host unknown", { ...good, domains: [{ config: { name: "test01" }, desiredHost: "node3" }] }, /^domains\[0\]\.desiredHost: must be one of the nodes' names \(node1, node2\)/],
])("%s is refused with the component's field path", (_what, args, message) => {
  const problems = clusterArgProblems(args as Args);
  expect(problems.length).toBeGreaterThan(0);
  expect(problems[0]).toMatch(message);
});

test("values that are still Outputs are left to the children's checks", () => {
  expect(clusterArgProblems(node(0, { migrationAddress: pulumi.output("anything at all") }))).toEqual([]);
});
