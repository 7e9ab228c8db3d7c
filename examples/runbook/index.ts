/**
 * The runbook (../../docs/runbook.md) as a Pulumi program: NFS shared storage for two Xen hosts, the same
 * domain config on both, migration allowed between them, and test01 placed on `test01Host` (default node1).
 * Change `test01Host` to node2 and run again: that is the live migration of runbook step 6.
 */
import * as pulumi from "@pulumi/pulumi";
import { XenHaCluster } from "pulumi-xen-ha/components/xen-ha-cluster";
import { runbookHosts } from "./hosts";

const config = new pulumi.Config();
const hosts = runbookHosts(config);

const cluster = new XenHaCluster("runbook", {
  toolstack: hosts.toolstack,
  nfs: { connection: hosts.nfs.connection, address: hosts.nfs.address, path: "/data" },
  nodes: hosts.nodes,
  // Step 2: node1 already keeps test01.img in /data: carry it onto the share (checksummed), as the runbook
  // did by hand (move it aside, mount, move it back).
  mount: { options: ["hard", "rw", "rsize=32768", "wsize=32768"], existingContent: "carry" },
  domains: [{
    config: {
      name: "test01",
      memory: hosts.guestMemoryMb ?? 256,
      vcpus: 1,
      boot: hosts.guestBoot ?? { bootloader: "/usr/bin/pygrub" },
      disks: [{ path: "/data/test01.img", vdev: "xvda", mode: "w" }],
      vifs: [
        { mac: hosts.guest.mac0, bridge: "xenbr0", ip: hosts.guest.address0 },
        { mac: hosts.guest.mac1, bridge: "xenbr1", ip: hosts.guest.address1 },
      ],
      requireSharedStorage: true,
    },
    desiredHost: config.get("test01Host") ?? "node1",
    startIfStopped: true,
    probe: hosts.observer ? {
      connection: hosts.observer.connection, address: hosts.guest.address0,
      ...(hosts.probeIntervalSeconds ? { intervalSeconds: hosts.probeIntervalSeconds } : {}),
    } : undefined,
  }],
});

export const test01Host = cluster.domains.apply((d) => d.test01?.currentHost ?? null);
export const lastMigration = cluster.domains.apply((d) => d.test01?.lastMigration ?? null);
export const mounts = cluster.nodes;
