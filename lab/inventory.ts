/**
 * The lab's inventory (`.lab/<name>/inventory.json`): what tests, examples and benchmarks know about the
 * hosts. Read it with `loadInventory()`; never hard-code lab addresses.
 */
import * as fs from "fs";
import { z } from "zod";
import { labName, labPaths } from "./paths";

const interfaceSchema = z.object({
  name: z.string(),
  device: z.string(),
  peer: z.string(),
  segment: z.enum(["lan0", "lan1"]),
  address: z.string(),
  prefix: z.number().int(),
  mac: z.string(),
});

export const labHostSchema = z.object({
  name: z.enum(["nfs", "node1", "node2", "observer"]),
  role: z.enum(["nfs", "xen", "observer"]),
  /** the address sshd is reached on (segment lan0) */
  address: z.string(),
  /** the host's address on the second segment (lan1, xenbr1 on Xen hosts) */
  address2: z.string(),
  port: z.number().int(),
  user: z.string(),
  privateKeyPath: z.string(),
  privateKey: z.string(),
  /** OpenSSH public key line of the host's ed25519 host key */
  hostKey: z.string(),
  toolstack: z.enum(["xm", "xl"]).nullable(),
  /** Xen bridges inside the host (xenbr0, xenbr1); empty on non-Xen hosts */
  bridges: z.array(z.string()),
  interfaces: z.array(interfaceSchema),
  /** network namespace name in the root namespace (`ip netns exec`), for harness-side tools */
  netns: z.string(),
  /** the host's merged root as the harness sees it while the lab runs */
  root: z.string(),
  /** folder where the lab keeps this host's console log and status */
  hostDir: z.string(),
});

const segmentSchema = z.object({
  name: z.enum(["lan0", "lan1"]),
  bridge: z.string(),
  subnet: z.string(),
  prefix: z.number().int(),
  harnessAddress: z.string(),
  hostBridge: z.enum(["xenbr0", "xenbr1"]),
});

export const inventorySchema = z.object({
  lab: z.string(),
  index: z.number().int(),
  stateDir: z.string(),
  createdAt: z.string(),
  toolstack: z.enum(["xm", "xl", "mixed"]),
  network: z.object({
    segments: z.array(segmentSchema),
    /** addresses guests may take on each segment: 198.18.i.first..last and 198.19.i.first..last */
    guestOctets: z.object({ first: z.number().int(), last: z.number().int() }),
    /** every network namespace the lab (and the simulator's guests, if made from the root namespace) names */
    netnsPrefix: z.string(),
    /** every root-namespace link the lab names */
    linkPrefix: z.string(),
  }),
  privateKeyPath: z.string(),
  publicKey: z.string(),
  hosts: z.object({
    nfs: labHostSchema,
    node1: labHostSchema,
    node2: labHostSchema,
    observer: labHostSchema,
  }),
});

export type Inventory = z.infer<typeof inventorySchema>;
export type LabHost = z.infer<typeof labHostSchema>;

export function inventoryPath(name: string = labName()): string {
  return labPaths(name).inventoryPath;
}

export function loadInventory(name: string = process.env.XENHA_LAB ?? "default"): Inventory {
  const p = inventoryPath(name);
  let text: string;
  try {
    text = fs.readFileSync(p, "utf8");
  } catch {
    throw new Error(`lab "${name}" has no inventory at ${p}: run "XENHA_LAB=${name} npm run lab:up"`);
  }
  return inventorySchema.parse(JSON.parse(text));
}

/** The four hosts in a stable order. */
export function labHosts(inv: Inventory): LabHost[] {
  return [inv.hosts.nfs, inv.hosts.node1, inv.hosts.node2, inv.hosts.observer];
}

/** The connection object the library (and @pulumi/command) takes, for one lab host. */
export interface LabConnection { host: string; port: number; user: string; privateKey: string; hostKey: string }

export function toConnection(h: LabHost): LabConnection {
  return { host: h.address, port: h.port, user: h.user, privateKey: h.privateKey, hostKey: h.hostKey };
}
