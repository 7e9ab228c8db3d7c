/**
 * xm's outputs: `xm list` (3.0.x and 3.2+ layouts), `xm list -l` (sxp through PrettyPrint), `xm info`
 * (`%-23s: value`), and the usage texts xm prints after an error.
 */
import { cpuTime, DomainRecord, HostInfo, xenVersionParts } from "./domain-record";
import { prettySxp, Sxp } from "./sxp";
import { vdevNumber } from "./domain-spec";

function pyFloat1(x: number): string {
  return x.toFixed(1);
}

function isOldXm(version: string): boolean {
  const v = xenVersionParts(version);
  return v.major === 3 && v.minor < 2;
}

export interface ListRow { name: string; domid: number; memory: number; vcpus: number; state: string; cpuTime: number }

export function xmListRows(info: HostInfo, domains: DomainRecord[], now = Date.now() / 1000): ListRow[] {
  const rows: ListRow[] = [
    { name: "Domain-0", domid: 0, memory: info.dom0Memory, vcpus: info.dom0Vcpus, state: "r-----", cpuTime: info.dom0CpuTime },
  ];
  for (const d of [...domains].sort((a, b) => a.domid - b.domid)) {
    rows.push({ name: d.name, domid: d.domid, memory: d.memoryShown, vcpus: d.vcpusShown, state: d.state, cpuTime: cpuTime(d, now) });
  }
  return rows;
}

/** `xm list`: rows sorted by name; the header's Time(s) column is %9s but rows print %8.1f, as real xm does. */
export function formatXmList(version: string, rows: ListRow[]): string {
  const sorted = [...rows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines: string[] = [];
  if (isOldXm(version)) {
    lines.push(`${"Name".padEnd(40)} ${"ID".padStart(3)} ${"Mem(MiB)".padStart(8)} ${"VCPUs".padStart(5)} ${"State".padStart(5)} ${"Time(s)".padStart(8)}`);
    for (const r of sorted) {
      lines.push(`${r.name.padEnd(40)} ${String(r.domid).padStart(3)} ${String(r.memory).padStart(8)} ${String(r.vcpus).padStart(5)} ${r.state.padStart(5)} ${pyFloat1(r.cpuTime).padStart(8)}`);
    }
  } else {
    lines.push(`${"Name".padEnd(40)} ${"ID".padStart(5)} ${"Mem".padStart(5)} ${"VCPUs".padStart(5)} ${"State".padStart(10)} ${"Time(s)".padStart(9)}`);
    for (const r of sorted) {
      lines.push(`${r.name.padEnd(40)} ${String(r.domid).padStart(5)} ${String(r.memory).padStart(5)} ${String(r.vcpus).padStart(5)} ${r.state.padStart(10)} ${pyFloat1(r.cpuTime).padStart(8)}`);
    }
  }
  return lines.join("\n") + "\n";
}

export function dom0Sxp(info: HostInfo): Sxp {
  const cpus = Array.from({ length: info.dom0Vcpus }, () => Array.from({ length: info.nrCpus }, (_, i) => String(i)));
  return ["domain", ["domid", "0"], ["cpu_weight", "256"], ["cpu_cap", "0"], ["pool_name", "Pool-0"], ["bootloader", ""],
    ["vcpus", String(info.dom0Vcpus)], ["cpus", cpus], ["on_poweroff", "destroy"], ["on_crash", "restart"],
    ["uuid", "00000000-0000-0000-0000-000000000000"], ["bootloader_args", ""], ["name", "Domain-0"], ["on_reboot", "restart"],
    ["maxmem", String(info.dom0Memory)], ["memory", String(info.dom0Memory)], ["shadow_memory", "0"], ["features", ""],
    ["on_xend_start", "ignore"], ["on_xend_stop", "ignore"], ["cpu_time", info.dom0CpuTime.toFixed(6)],
    ["online_vcpus", String(info.dom0Vcpus)], ["image", ["linux", ["kernel", ""], ["nomigrate", "0"], ["tsc_mode", "0"]]],
    ["status", "2"], ["state", "r-----"]];
}

export function domainSxp(d: DomainRecord, now = Date.now() / 1000): Sxp {
  const s = d.spec;
  const image: Sxp[] = [s.type === "hvm" ? "hvm" : "linux", ["kernel", s.kernel ?? ""]];
  if (s.ramdisk) image.push(["ramdisk", s.ramdisk]);
  const args = [s.root ? `root=${s.root}` : "", s.extra ?? ""].filter(Boolean).join(" ");
  if (args) image.push(["args", args]);
  image.push(["nomigrate", "0"], ["tsc_mode", "0"]);
  const out: Sxp[] = ["domain", ["domid", String(d.domid)], ["cpu_weight", "256"], ["cpu_cap", "0"], ["pool_name", "Pool-0"],
    ["bootloader", s.bootloader ?? ""], ["vcpus", String(s.vcpus)], ["cpus", Array.from({ length: s.vcpus }, () => [])],
    ["on_poweroff", s.onPoweroff], ["on_crash", s.onCrash], ["uuid", d.uuid], ["bootloader_args", ""], ["name", d.name],
    ["on_reboot", s.onReboot], ["maxmem", String(s.maxmem)], ["memory", String(s.memory)], ["shadow_memory", "0"],
    ["features", ""], ["on_xend_start", "ignore"], ["on_xend_stop", "ignore"], ["start_time", d.startTime.toFixed(2)],
    ["cpu_time", cpuTime(d, now).toFixed(9)], ["online_vcpus", String(s.vcpus)], ["image", image],
    ["status", d.state.startsWith("--p") ? "1" : "2"], ["state", d.state], ["store_mfn", String(1000000 + d.domid * 2)],
    ["console_mfn", String(1000000 + d.domid * 2 - 1)]];
  s.vifs.forEach((v, i) => {
    const vif: Sxp[] = ["vif", ["bridge", v.bridge ?? "xenbr0"], ["mac", d.macs[i] ?? ""], ["script", "/etc/xen/scripts/" + (v.script ?? "vif-bridge")],
      ["uuid", uuidFrom(d.uuid, 100 + i)]];
    if (v.ip) vif.push(["ip", v.ip]);
    vif.push(["backend", "0"]);
    out.push(["device", vif]);
  });
  out.push(["device", ["console", ["protocol", "vt100"], ["location", "2"], ["uuid", uuidFrom(d.uuid, 1)]]]);
  s.disks.forEach((disk, i) => {
    out.push(["device", ["vbd", ["uuid", uuidFrom(d.uuid, 200 + i)], ["bootable", i === 0 ? "1" : "0"],
      ["dev", `${disk.vdev}:${disk.devType}`], ["uname", disk.kind === "" ? "" : disk.spec.split(",")[0].trim()],
      ["mode", disk.mode], ["backend", "0"]]]);
  });
  return out;
}

export function formatXmListLong(sxps: Sxp[]): string {
  return sxps.map((x) => prettySxp(x)).join("\n") + "\n";
}

/** Deterministic derived UUIDs for devices, so repeated `xm list -l` calls agree. */
export function uuidFrom(base: string, n: number): string {
  const hex = base.replace(/-/g, "");
  const tail = ((parseInt(hex.slice(-8), 16) + n * 2654435761) >>> 0).toString(16).padStart(8, "0");
  const h = hex.slice(0, 24) + tail;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function formatXmInfo(info: HostInfo): string {
  const v = xenVersionParts(info.xenVersion);
  const x4 = v.major >= 4;
  const rows: [string, string][] = [
    ["host", info.hostname],
    ["release", x4 ? "2.6.32.21-xen" : "2.6.18-308.el5xen"],
    ["version", "#1 SMP Fri Feb 17 17:20:34 EST 2012"],
    ["machine", "x86_64"],
    ["nr_cpus", String(info.nrCpus)],
    ["nr_nodes", "1"],
    ["cores_per_socket", String(info.nrCpus)],
    ["threads_per_core", "1"],
    ["cpu_mhz", "2400"],
    ["hw_caps", "bfebfbff:28100800:00000000:00000340:009ce3bd:00000000:00000001:00000000"],
    ["virt_caps", "hvm"],
    ["total_memory", String(info.totalMemory)],
    ["free_memory", String(info.freeMemory)],
  ];
  if (x4) rows.push(["free_cpus", "0"]);
  rows.push(["node_to_cpu", `node0:0-${info.nrCpus - 1}`], ["node_to_memory", `node0:${info.freeMemory}`]);
  if (x4) rows.push(["node_to_dma32_mem", "node0:2047"], ["max_node_id", "0"]);
  rows.push(
    ["xen_major", String(v.major)], ["xen_minor", String(v.minor)], ["xen_extra", v.extra],
    ["xen_caps", "xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64"],
    ["xen_scheduler", "credit"], ["xen_pagesize", "4096"], ["platform_params", "virt_start=0xffff800000000000"],
    ["xen_changeset", "unavailable"],
  );
  if (x4) rows.push(["xen_commandline", "dom0_mem=" + info.dom0Memory + "M"]);
  rows.push(["cc_compiler", "gcc version 4.1.2 20080704 (Red Hat 4.1.2-52)"], ["cc_compile_by", "mockbuild"],
    ["cc_compile_domain", "us.oracle.com"], ["cc_compile_date", "Fri Feb 17 17:05:02 EST 2012"], ["xend_config_format", "4"]);
  return rows.map(([k, val]) => `${k.padEnd(23)}: ${val}`).join("\n") + "\n";
}

export const XM_MIGRATE_USAGE = `Usage: xm migrate <Domain> <Host>

Migrate a domain to another machine.

Options:

-h, --help           Print this help.
-l, --live           Use live migration.
-p=portnum, --port=portnum
                     Use specified port for migration.
-n=nodenum, --node=nodenum
                     Use specified NUMA node on target.
-s, --ssl            Use ssl connection for migration.
-c, --change_home_server
                     Change home server for managed domains.
`;

export function xmUsage(cmd: string): string {
  const usages: Record<string, string> = {
    migrate: XM_MIGRATE_USAGE,
    shutdown: "Usage: xm shutdown <Domain> [-waRH]\n\nShutdown a domain.\n",
    destroy: "Usage: xm destroy <Domain>\n\nTerminate a domain immediately.\n",
    create: "Usage: xm create <ConfigFile> [options] [vars]\n\nCreate a domain based on <ConfigFile>.\n",
    list: "Usage: xm list [options] [Domain, ...]\n\nList information about all/some domains.\n",
  };
  return usages[cmd] ?? `Usage: xm ${cmd}\n`;
}

/** "Device 51712 (vbd) could not be connected. /data/x.img does not exist." */
export function vbdError(vdev: string, msg: string): string {
  return `Device ${vdevNumber(vdev)} (vbd) could not be connected. ${msg}`;
}
