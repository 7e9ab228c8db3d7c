/** The lab's addressing and naming per instance index (pure). */
import { checkLabName, MAX_INDEX, parseToolstackChoice, planHosts, segments } from "../../../lab/topology";

test("each index owns its subnets inside 198.18.0.0/15 and its own names", () => {
  const a = planHosts(3, "xm");
  const b = planHosts(4, "xm");
  expect(segments(3).map((s) => `${s.subnet}/${s.prefix}`)).toEqual(["198.18.3.0/24", "198.19.3.0/24"]);
  expect(a.map((h) => h.address)).toEqual(["198.18.3.30", "198.18.3.10", "198.18.3.20", "198.18.3.40"]);
  const names = (p: ReturnType<typeof planHosts>): string[] => p.flatMap((h) => [h.netns, ...h.interfaces.map((i) => i.peer)]);
  expect(names(a).filter((n) => names(b).includes(n))).toEqual([]);
  const macs = a.flatMap((h) => h.interfaces.map((i) => i.mac));
  expect(new Set(macs).size).toBe(macs.length);
});

test("interface names fit the kernel's 15 characters at the highest index", () => {
  for (const h of planHosts(MAX_INDEX, "xm")) {
    for (const i of h.interfaces) expect(i.peer.length).toBeLessThanOrEqual(15);
  }
  for (const s of segments(MAX_INDEX)) expect(s.bridge.length).toBeLessThanOrEqual(15);
  expect(() => segments(MAX_INDEX + 1)).toThrow(/out of range/);
});

test("Xen hosts carry their addresses on xenbr0/xenbr1; the others on eth0/eth1", () => {
  const [nfs, node1] = planHosts(0, "xm");
  expect(node1.bridges).toEqual(["xenbr0", "xenbr1"]);
  expect(node1.interfaces.map((i) => [i.name, i.device])).toEqual([["xenbr0", "eth0"], ["xenbr1", "eth1"]]);
  expect(nfs.bridges).toEqual([]);
  expect(nfs.interfaces.map((i) => i.name)).toEqual(["eth0", "eth1"]);
});

test("toolstack per topology: xm (default), xl, mixed", () => {
  const ts = (c: string | undefined): (string | null)[] => planHosts(0, parseToolstackChoice(c)).map((h) => h.toolstack);
  expect(ts(undefined)).toEqual([null, "xm", "xm", null]);
  expect(ts("xl")).toEqual([null, "xl", "xl", null]);
  expect(ts("mixed")).toEqual([null, "xm", "xl", null]);
  expect(() => parseToolstackChoice("xen")).toThrow(/xm, xl or mixed/);
});

test("lab names are plain", () => {
  expect(checkLabName("ci-2")).toBe("ci-2");
  for (const bad of ["", "Lab", "../x", "a b", "x".repeat(33)]) expect(() => checkLabName(bad)).toThrow();
});
