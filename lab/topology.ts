/**
 * The lab's fixed shape and how an instance index turns into names and addresses. Pure: no I/O.
 *
 * Instance index i (0..255, allocated per lab name, see registry.ts) gives:
 *   segment lan0 198.18.i.0/24 (the hosts' main network, Xen hosts carry it on xenbr0)
 *   segment lan1 198.19.i.0/24 (the second network, on xenbr1; the NFS server is on it too, like the runbook)
 *   root-namespace bridges xh<i>-lan0/xh<i>-lan1 (harness address .1), network namespaces xenha<i>-<host>.
 */
export type HostName = "nfs" | "node1" | "node2" | "observer";
export type Role = "nfs" | "xen" | "observer";
export type Toolstack = "xm" | "xl";
export type ToolstackChoice = "xm" | "xl" | "mixed";

export const HOST_NAMES: readonly HostName[] = ["nfs", "node1", "node2", "observer"];
export const MAX_INDEX = 255;

interface HostSpec { role: Role; octet: number; tag: string; num: number }
const SPECS: Record<HostName, HostSpec> = {
  nfs: { role: "nfs", octet: 30, tag: "nfs", num: 1 },
  node1: { role: "xen", octet: 10, tag: "n1", num: 2 },
  node2: { role: "xen", octet: 20, tag: "n2", num: 3 },
  observer: { role: "observer", octet: 40, tag: "obs", num: 4 },
};

export const HARNESS_OCTET = 1;
export const GUEST_OCTETS = { first: 100, last: 199 } as const;

export interface Segment { name: "lan0" | "lan1"; bridge: string; subnet: string; prefix: number; harnessAddress: string; hostBridge: "xenbr0" | "xenbr1" }

export interface HostInterface {
  /** interface inside the host's namespace that carries the address (xenbrN on Xen hosts, ethN elsewhere) */
  name: string;
  /** the veth end inside the host */
  device: string;
  /** the veth end in the root namespace, enslaved to the segment's bridge */
  peer: string;
  segment: "lan0" | "lan1";
  address: string;
  prefix: number;
  mac: string;
}

export interface HostPlan {
  name: HostName;
  role: Role;
  netns: string;
  address: string;
  toolstack: Toolstack | null;
  bridges: string[];
  interfaces: HostInterface[];
}

export function segments(index: number): Segment[] {
  checkIndex(index);
  return [
    { name: "lan0", bridge: `xh${index}-lan0`, subnet: `198.18.${index}.0`, prefix: 24, harnessAddress: `198.18.${index}.${HARNESS_OCTET}`, hostBridge: "xenbr0" },
    { name: "lan1", bridge: `xh${index}-lan1`, subnet: `198.19.${index}.0`, prefix: 24, harnessAddress: `198.19.${index}.${HARNESS_OCTET}`, hostBridge: "xenbr1" },
  ];
}

export function netnsPrefix(index: number): string {
  return `xenha${index}-`;
}

export function linkPrefix(index: number): string {
  return `xh${index}-`;
}

export function toolstackFor(host: HostName, choice: ToolstackChoice): Toolstack | null {
  if (SPECS[host].role !== "xen") return null;
  if (choice === "mixed") return host === "node1" ? "xm" : "xl";
  return choice;
}

export function parseToolstackChoice(v: string | undefined): ToolstackChoice {
  const c = v ?? "xm";
  if (c === "xm" || c === "xl" || c === "mixed") return c;
  throw new Error(`--toolstack must be xm, xl or mixed, not "${c}"`);
}

export function planHosts(index: number, choice: ToolstackChoice): HostPlan[] {
  const segs = segments(index);
  return HOST_NAMES.map((name) => {
    const spec = SPECS[name];
    const isXen = spec.role === "xen";
    const interfaces = segs.map((seg, n): HostInterface => ({
      name: isXen ? seg.hostBridge : `eth${n}`,
      device: `eth${n}`,
      peer: `xh${index}-${spec.tag}${n}`,
      segment: seg.name,
      address: `${n === 0 ? "198.18" : "198.19"}.${index}.${spec.octet}`,
      prefix: seg.prefix,
      mac: `02:78:68:${hex(index)}:${hex(spec.num)}:${hex(n)}`,
    }));
    return {
      name,
      role: spec.role,
      netns: `${netnsPrefix(index)}${name}`,
      address: interfaces[0].address,
      toolstack: toolstackFor(name, choice),
      bridges: isXen ? segs.map((s) => s.hostBridge) : [],
      interfaces,
    };
  });
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index > MAX_INDEX) throw new Error(`lab index ${index} out of range`);
}

/** Lab names become directory and file names: keep them boring. */
export function checkLabName(name: string): string {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) {
    throw new Error(`lab name "${name}" must be lower-case letters, digits and dashes, starting with a letter`);
  }
  return name;
}
