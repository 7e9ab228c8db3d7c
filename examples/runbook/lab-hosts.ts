/**
 * The runbook's topology on the lab (lab/inventory.ts): node1/node2 are the Xen hosts, nfs the server,
 * observer the third machine. Like the runbook, storage and migration use different networks: NFS goes over
 * the second segment (xenbr1, the runbook's 10.10.10.0/24), migration over the first (192.168.233.0/24).
 */
import * as pulumi from "@pulumi/pulumi";
import { loadInventory, toConnection, type LabHost } from "../../lab/inventory";
import { readRealXen } from "../../lab/realxen/vms";
import type { RunbookHosts } from "./hosts";

export function labRunbookHosts(): RunbookHosts {
  const inv = loadInventory();
  const conn = (h: LabHost) => pulumi.secret(toConnection(h));
  const [lan0, lan1] = inv.network.segments;
  const guestAddress = (subnet: string) => subnet.replace(/\.0$/, `.${inv.network.guestOctets.first}`);
  const idx = inv.index.toString(16).padStart(2, "0");
  const toolstack = inv.toolstack === "mixed" ? "xm" : inv.toolstack;
  // real Xen (lab:up -- --real-xen): test01 boots dom0's kernel with the lab's busybox initramfs, which takes
  // its address from the command line
  const realXen = readRealXen(inv.lab);
  const guestBoot = realXen ? {
    kernel: "/boot/vmlinuz", ramdisk: "/boot/domU.cpio.gz",
    extra: `console=hvc0 rdinit=/init quiet xenha_ip=${guestAddress(lan0!.subnet)}/${lan0!.prefix}`,
  } : undefined;
  return {
    toolstack,
    nfs: { connection: conn(inv.hosts.nfs), address: inv.hosts.nfs.address2 },
    nodes: [inv.hosts.node1, inv.hosts.node2].map((h) => ({
      name: h.name, connection: conn(h), migrationAddress: h.address, storageAddress: h.address2,
    })),
    observer: { connection: conn(inv.hosts.observer) },
    guest: {
      address0: guestAddress(lan0!.subnet),
      address1: guestAddress(lan1!.subnet),
      mac0: `00:16:3e:${idx}:00:10`,
      mac1: `00:16:3e:${idx}:01:10`,
    },
    guestBoot,
    // Under QEMU without KVM a migration copies guest memory at 1-3 MB/s and the final pause grows with it:
    // 128 MiB (the least this kernel boots in) halves both against the runbook's 256. Pings every 50 ms instead
    // of 10 ms leave the emulated CPUs to the migration (10 ms made it 50% slower) and still resolve its pause.
    ...(realXen ? { guestMemoryMb: 128, probeIntervalSeconds: 0.05 } : {}),
  };
}
