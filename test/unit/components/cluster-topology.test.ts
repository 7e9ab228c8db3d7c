import { configMismatch, exportClients, migrationPairs, relocationHostsAllow, XEN_EXPORT_OPTIONS } from "../../../provider/components/cluster-topology";

// The runbook's hosts: migration over the 192.168.233.0/24 bridge, storage over 10.10.10.0/24.
const nodes = [
  { name: "node1", migrationAddress: "192.168.233.150", storageAddress: "10.10.10.10" },
  { name: "node2", migrationAddress: "192.168.233.151", storageAddress: "10.10.10.20" },
];

test("the export admits exactly the nodes' storage addresses with the runbook's options", () => {
  expect(exportClients(nodes)).toEqual([
    { host: "10.10.10.10", options: XEN_EXPORT_OPTIONS },
    { host: "10.10.10.20", options: XEN_EXPORT_OPTIONS },
  ]);
  expect(exportClients([...nodes, { ...nodes[0]!, name: "alias" }])).toHaveLength(2);
});

test("each node's relocation server admits the other nodes only, plus what the user adds", () => {
  expect(relocationHostsAllow("node1", nodes)).toEqual(["192.168.233.151"]);
  expect(relocationHostsAllow("node2", nodes)).toEqual(["192.168.233.150"]);
  expect(relocationHostsAllow("node2", nodes, ["mgmt.example.com"])).toEqual(["192.168.233.150", "mgmt.example.com"]);
});

test("xl trust goes both ways between every pair", () => {
  const three = [...nodes, { name: "node3", migrationAddress: "192.168.233.152", storageAddress: "10.10.10.40" }];
  expect(migrationPairs(three).map(([s, t]) => `${s.name}>${t.name}`)).toEqual([
    "node1>node2", "node1>node3", "node2>node1", "node2>node3", "node3>node1", "node3>node2",
  ]);
});

test("identical configs pass; a differing node is named with the first differing line", () => {
  const content = 'name = "test01"\nmemory = 512\ndisk = [ "file:/data/test01.img,xvda,w" ]\n';
  const files = nodes.map((n) => ({ node: n.name, path: "/etc/xen/test01", content }));
  expect(configMismatch("test01", files)).toBeNull();
  const drifted = [files[0]!, { ...files[1]!, content: content.replace("512", "1024") }];
  expect(configMismatch("test01", drifted)).toBe(
    'domain test01: the config is not identical on every node: node2 differs from node1 at line 2: "memory = 1024" vs "memory = 512"',
  );
  expect(configMismatch("test01", [files[0]!, { ...files[1]!, path: "/etc/xen/test01.cfg" }])).toMatch(/node2 keeps it at \/etc\/xen\/test01.cfg/);
});
