/** The lab's network: two bridges in the root namespace, one namespace per host joined by veth pairs. */
import { HostPlan, linkPrefix, netnsPrefix, Segment } from "./topology";
import { run, runAsync } from "./sh";

export async function setupNetwork(segs: Segment[], hosts: HostPlan[]): Promise<void> {
  const root: string[] = [];
  for (const s of segs) {
    root.push(`link add ${s.bridge} type bridge stp_state 0 forward_delay 0`);
    root.push(`addr add ${s.harnessAddress}/${s.prefix} dev ${s.bridge}`);
    root.push(`link set ${s.bridge} up`);
  }
  for (const h of hosts) root.push(`netns add ${h.netns}`);
  for (const h of hosts) {
    for (const i of h.interfaces) {
      const seg = segs.find((s) => s.name === i.segment);
      if (!seg) throw new Error(`no segment ${i.segment}`);
      root.push(`link add ${i.peer} type veth peer name ${i.device} netns ${h.netns}`);
      root.push(`link set ${i.peer} master ${seg.bridge} up`);
    }
  }
  await runAsync(["ip", "-batch", "-"], { input: root.join("\n") + "\n" });
  await Promise.all(hosts.map((h) => runAsync(["ip", "-n", h.netns, "-batch", "-"], { input: hostBatch(h).join("\n") + "\n" })));
}

/** Inside a Xen host the address sits on xenbrN, which enslaves ethN and takes its MAC, as Xen's network-bridge does. */
export function hostBatch(h: HostPlan): string[] {
  const b = ["link set lo up"];
  for (const i of h.interfaces) {
    b.push(`link set ${i.device} address ${i.mac}`);
    if (i.name !== i.device) {
      b.push(`link add ${i.name} type bridge stp_state 0 forward_delay 0`);
      b.push(`link set ${i.name} address ${i.mac}`);
      b.push(`link set ${i.device} master ${i.name}`);
      b.push(`link set ${i.device} up`);
    }
    b.push(`link set ${i.name} up`);
    b.push(`addr add ${i.address}/${i.prefix} dev ${i.name}`);
  }
  return b;
}

export function labNetns(index: number): string[] {
  const r = run(["ip", "netns", "list"], { allowFail: true });
  return r.stdout
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith(netnsPrefix(index)));
}

export function labLinks(index: number): string[] {
  const r = run(["ip", "-o", "link", "show"], { allowFail: true });
  const out: string[] = [];
  for (const line of r.stdout.split("\n")) {
    const m = /^\d+: ([^:@]+)[@:]/.exec(line);
    if (m && m[1].startsWith(linkPrefix(index))) out.push(m[1]);
  }
  return out;
}

export function netnsPids(ns: string): number[] {
  const r = run(["ip", "netns", "pids", ns], { allowFail: true });
  return r.stdout.split("\n").filter(Boolean).map(Number);
}

export function teardownNetwork(index: number): void {
  for (const ns of labNetns(index)) run(["ip", "netns", "del", ns], { allowFail: true });
  // bridges first: deleting a root-side veth end deletes its peer too
  const links = labLinks(index).sort((a, b) => Number(b.includes("lan")) - Number(a.includes("lan")));
  for (const l of links) run(["ip", "link", "del", l], { allowFail: true });
}
