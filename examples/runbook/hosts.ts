/**
 * Where the runbook's hosts come from: the stack config. `hosts: lab` reads the lab's inventory (the lab
 * instance is XENHA_LAB); anything else is real hosts described in the stack file (see README.md).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "pulumi-xen-ha/ssh/connection";
import { labRunbookHosts } from "./lab-hosts";

export interface RunbookHosts {
  toolstack: "xm" | "xl";
  nfs: { connection: pulumi.Input<ConnectionInput>; address: string };
  nodes: { name: string; connection: pulumi.Input<ConnectionInput>; migrationAddress: string; storageAddress: string }[];
  /** The third machine that pings the guest during a migration (optional). */
  observer?: { connection: pulumi.Input<ConnectionInput> };
  /** test01's addresses on the two bridges, and its MACs. */
  guest: { address0: string; address1: string; mac0: string; mac1: string };
  /** How test01 boots where pygrub has nothing to boot (the real-Xen lab: a kernel and initramfs in dom0). */
  guestBoot?: { kernel: string; ramdisk?: string; extra?: string };
  /** test01's memory in MiB (default 256, the runbook's). */
  guestMemoryMb?: number;
  /** Time between the observer's pings during a migration (default LiveMigration's, 10 ms). */
  probeIntervalSeconds?: number;
}

interface HostConfig {
  host: string;
  port?: number;
  user?: string;
  hostKey?: string;
}

/** A connection whose credentials are secret: the key is read from privateKeyPath or given as secret config. */
function connection(config: pulumi.Config, h: HostConfig): pulumi.Output<ConnectionInput> {
  const keyPath = config.get("privateKeyPath");
  const key = keyPath
    ? pulumi.secret(fs.readFileSync(keyPath.replace(/^~(?=\/)/, os.homedir()), "utf8"))
    : config.getSecret("privateKey");
  const password = config.getSecret("password");
  return pulumi.all([key, password]).apply(([privateKey, pw]) => ({
    host: h.host, port: h.port, user: h.user, hostKey: h.hostKey,
    ...(privateKey ? { privateKey } : {}), ...(pw ? { password: pw } : {}),
  }));
}

export function runbookHosts(config: pulumi.Config): RunbookHosts {
  if (config.get("hosts") === "lab") return labRunbookHosts();
  const nfs = config.requireObject<HostConfig & { address: string }>("nfs");
  const nodes = config.requireObject<(HostConfig & { name: string; migrationAddress: string; storageAddress: string })[]>("nodes");
  const observer = config.getObject<HostConfig>("observer");
  return {
    toolstack: (config.get("toolstack") ?? "xm") as "xm" | "xl",
    nfs: { connection: connection(config, nfs), address: nfs.address },
    nodes: nodes.map((n) => ({ name: n.name, connection: connection(config, n), migrationAddress: n.migrationAddress, storageAddress: n.storageAddress })),
    observer: observer ? { connection: connection(config, observer) } : undefined,
    guest: config.requireObject("guest"),
  };
}
