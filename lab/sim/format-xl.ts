/**
 * xl's outputs (tools/xl/xl_info.c): `xl list` (header with TABs before State and Time(s), rows in domid
 * order), `xl list -l` (JSON through yajl's beautifier: 4-space indent, empty maps as "{", blank line, "}"),
 * and `xl info` (`%-23s: value`).
 */
import { cpuTime, DomainRecord, HostInfo, xenVersionParts } from "./domain-record";
import { ListRow } from "./format-xm";

export const XL_LIST_HEADER = "Name                                        ID   Mem VCPUs\tState\tTime(s)";

export function xlListRows(info: HostInfo, domains: DomainRecord[], now = Date.now() / 1000): ListRow[] {
  const rows: ListRow[] = [
    { name: "Domain-0", domid: 0, memory: info.dom0Memory, vcpus: info.dom0Vcpus, state: "r-----", cpuTime: info.dom0CpuTime },
  ];
  for (const d of [...domains].sort((a, b) => a.domid - b.domid)) {
    rows.push({ name: d.name, domid: d.domid, memory: d.memoryShown, vcpus: d.vcpusShown, state: d.state, cpuTime: cpuTime(d, now) });
  }
  return rows;
}

export function formatXlList(rows: ListRow[]): string {
  const lines = [XL_LIST_HEADER];
  for (const r of rows) {
    lines.push(`${r.name.padEnd(40)} ${String(r.domid).padStart(5)} ${String(r.memory).padStart(5)} ${String(r.vcpus).padStart(5)}     ${r.state}  ${r.cpuTime.toFixed(1).padStart(8)}`);
  }
  return lines.join("\n") + "\n";
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** yajl_gen with yajl_gen_beautify and a 4-space indent, as xl prints JSON. */
export function yajlBeautify(v: Json, depth = 0): string {
  const pad = (n: number): string => "    ".repeat(n);
  if (Array.isArray(v)) {
    if (v.length === 0) return "[\n\n" + pad(depth) + "]";
    return "[\n" + v.map((x) => pad(depth + 1) + yajlBeautify(x, depth + 1)).join(",\n") + "\n" + pad(depth) + "]";
  }
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 0) return "{\n\n" + pad(depth) + "}";
    return "{\n" + keys.map((k) => pad(depth + 1) + JSON.stringify(k) + ": " + yajlBeautify(v[k], depth + 1)).join(",\n") + "\n" + pad(depth) + "}";
  }
  return JSON.stringify(v);
}

export function dom0Json(info: HostInfo): Json {
  return {
    domid: 0,
    config: {
      c_info: { type: "pv", name: "Domain-0" },
      b_info: {
        max_memkb: info.dom0Memory * 1024,
        target_memkb: info.dom0Memory * 1024 - 1,
        sched_params: { sched: "credit2", weight: 256, cap: 0 },
        "type.pv": {},
        arch_arm: {},
        arch_x86: {},
      },
    },
  };
}

export function domainJson(d: DomainRecord): Json {
  const s = d.spec;
  const bInfo: { [k: string]: Json } = {
    max_vcpus: s.vcpus,
    avail_vcpus: Array.from({ length: s.vcpus }, (_, i) => i),
    max_memkb: s.maxmem * 1024,
    target_memkb: s.memory * 1024,
    video_memkb: 0,
    sched_params: { sched: "credit2", weight: 256, cap: 0 },
    claim_mode: "True",
  };
  if (s.kernel) bInfo.kernel = s.kernel;
  if (s.extra || s.root) bInfo.cmdline = [s.root ? `root=${s.root}` : "", s.extra ?? ""].filter(Boolean).join(" ");
  if (s.ramdisk) bInfo.ramdisk = s.ramdisk;
  bInfo["type." + s.type] = {};
  bInfo.arch_arm = {};
  bInfo.arch_x86 = { msr_relaxed: "False" };
  const config: { [k: string]: Json } = {
    c_info: { type: s.type, name: d.name, domid: 4294967295, uuid: d.uuid, run_hotplug_scripts: "True" },
    b_info: bInfo,
  };
  if (s.disks.length) {
    config.disks = s.disks.map((k) => {
      const o: { [k: string]: Json } = {};
      if (k.path) o.pdev_path = k.path;
      o.vdev = k.vdev;
      o.format = "raw";
      if (k.devType === "cdrom") o.is_cdrom = 1;
      o.readwrite = k.mode === "w" ? 1 : 0;
      return o;
    });
  }
  if (s.vifs.length) {
    config.nics = s.vifs.map((v, i) => {
      const o: { [k: string]: Json } = { devid: i, mac: d.macs[i] };
      if (v.ip) o.ip = v.ip;
      o.bridge = v.bridge ?? "xenbr0";
      o.script = v.script ?? "vif-bridge";
      o.nictype = "vif";
      return o;
    });
  }
  if (s.onPoweroff !== "destroy") config.on_poweroff = s.onPoweroff;
  config.on_reboot = s.onReboot;
  if (s.onCrash !== "destroy") config.on_crash = s.onCrash;
  config.on_soft_reset = "soft_reset";
  return { domid: d.domid, config };
}

/** yajl ends the document with a newline and xl prints another one after it. */
export function formatXlListLong(entries: Json[]): string {
  return yajlBeautify(entries) + "\n\n";
}

export function formatXlInfo(info: HostInfo): string {
  const v = xenVersionParts(info.xenVersion);
  const rows: [string, string][] = [
    ["host", info.hostname], ["release", "6.1.0-56-amd64"],
    ["version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)"], ["machine", "x86_64"],
    ["nr_cpus", String(info.nrCpus)], ["max_cpu_id", String(info.nrCpus - 1)], ["nr_nodes", "1"],
    ["cores_per_socket", String(info.nrCpus)], ["threads_per_core", "1"], ["cpu_mhz", "2445.426"],
    ["hw_caps", "178bf3fd:80002001:20100800:00000007:00000000:00000000:00000000:00000000"],
    ["virt_caps", "pv hvm gnttab-v1 gnttab-v2"], ["total_memory", String(info.totalMemory)],
    ["free_memory", String(info.freeMemory)], ["sharing_freed_memory", "0"], ["sharing_used_memory", "0"],
    ["outstanding_claims", "0"], ["free_cpus", "0"], ["xen_major", String(v.major)], ["xen_minor", String(v.minor)],
    ["xen_extra", v.extra], ["xen_version", info.xenVersion],
    ["xen_caps", "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 "], ["xen_scheduler", "credit2"],
    ["xen_pagesize", "4096"], ["platform_params", "virt_start=0xffff800000000000"], ["xen_changeset", ""],
    ["xen_commandline", `dom0_mem=${info.dom0Memory}M,max:${info.dom0Memory}M`],
    ["cc_compiler", "x86_64-linux-gnu-gcc (Debian 12.2.0-14+deb12u1) 12.2.0"], ["cc_compile_by", "pkg-xen-devel"],
    ["cc_compile_domain", "lists.alioth.debian.org"], ["cc_compile_date", "Wed Nov  4 16:52:28 UTC 2026"],
    ["build_id", "151b373fd64b321593bf987fd923cd10dabadac4"], ["xend_config_format", "4"],
  ];
  return rows.map(([k, val]) => `${k.padEnd(23)}: ${val}`).join("\n") + "\n";
}
