/**
 * XenDomainConfig inputs and outputs: the single source of truth for types, validation, messages and the
 * reference tables in docs/resources/xen-domain-config.md (generated from the `.describe()` texts).
 */
import { z } from "zod";
import { seconds } from "../../core/seconds";
import { absolutePath } from "../../core/absolute-path";
import { nonAsciiProblem, pythonIdentifierProblem } from "../../core/fields/python";
import { connectionSchema } from "../../ssh/connection";
import { domainName, DOMAIN_NAME_RE } from "../../core/fields/domain-name";
import { interfaceName } from "../../core/fields/network";
import type { DomainConfigModel } from "../../formats/domain-config/model";

/** Config keys the typed inputs write; `extraKeys` may not use them. */
export const TYPED_CONFIG_KEYS = [
  "name", "uuid", "memory", "maxmem", "vcpus", "bootloader", "bootloader_args", "kernel", "ramdisk", "root", "extra",
  "cmdline", "disk", "vif", "vfb", "on_poweroff", "on_reboot", "on_crash",
];

export const DOMAIN_NAME = DOMAIN_NAME_RE;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const VDEV = /^(xvd|hd|sd)[a-z]{1,2}\d{0,3}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Characters that would break a spec string (`,` separates keys, `=` keys from values) or the quoting. */
const SPEC_SAFE = /^[^,="'\\\n\r\t]*$/;

const specValue = (what: string) =>
  z.string({ error: `must be ${what}` }).min(1, "must not be empty").regex(SPEC_SAFE, "must not contain , = quotes, backslashes or newlines");

const plainString = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\x00-\x1f\x7f]/.test(s), "must not contain control characters (newline, tab, …)")
    .superRefine((s, ctx) => {
      const why = nonAsciiProblem(s);
      if (why) ctx.addIssue({ code: "custom", message: why });
    });

// a disk spec is comma-separated key=value inside a quoted string: those characters would change its meaning
// and ASCII only: xm create reads the file as Python 2 source
const DISK_SPEC_PATH = { allowed: /(?![,="'\\])[\x21-\x7e]/, rule: "must be printable ASCII without , = quotes or backslashes (they split a disk spec)" };

const lifecycleAction = z
  .enum(["destroy", "restart", "preserve", "rename-restart", "coredump-destroy", "coredump-restart"], {
    error: "must be destroy, restart, preserve, rename-restart, coredump-destroy or coredump-restart",
  });

export const diskSchema = z
  .strictObject({
    path: absolutePath("image file or block device", DISK_SPEC_PATH).describe(
      "Image file or block device on the host, e.g. `/data/test01.img` (on the shared storage for migration).",
    ),
    vdev: z
      .string({ error: "must be a virtual device name" })
      .regex(VDEV, "must be a virtual device name such as xvda, hda or sdb1")
      .describe("Device the guest sees, e.g. `xvda`."),
    mode: z.enum(["w", "r", "w!"], { error: "must be w, r or w!" }).default("w").describe("`w` read-write, `r` read-only, `w!` read-write even if used elsewhere. Default `w`."),
    type: z
      .enum(["file", "phy", "tap:aio"], { error: "must be file, phy or tap:aio" })
      .default("file")
      .describe("Backend: `file:` (loop-mounted image), `phy:` (block device) or `tap:aio:` (blktap). Default `file`."),
    cdrom: z.boolean({ error: "must be true or false" }).default(false).describe("Present it as a CD-ROM (`vdev:cdrom`)."),
  })
  .describe("One disk: written as `TYPE:PATH,VDEV,MODE` (accepted by xm and xl alike).");

export const vifSchema = z
  .strictObject({
    mac: z
      .string({ error: "must be a MAC address" })
      .regex(MAC, "must be a MAC address such as 00:16:3e:12:34:56")
      .refine((m) => (parseInt(m.slice(0, 2), 16) & 1) === 0, "must be a unicast MAC (the first byte must be even)")
      .optional()
      .describe("MAC address (unicast; Xen's range is 00:16:3e:xx:xx:xx). Absent: a random one at each start, which breaks DHCP leases and ARP caches after a migration."),
    bridge: interfaceName("a bridge name").optional().describe("Host bridge to plug into, e.g. `xenbr0`. Must exist on the host."),
    ip: z
      .string({ error: "must be IP addresses" })
      .regex(/^[0-9a-fA-F.:/ ]+$/, "must be IP addresses separated by spaces")
      .optional()
      .describe("The guest's address(es) for the vif scripts (`ip=`), separated by spaces."),
    script: specValue("a script name").optional().describe("vif script, e.g. `vif-bridge`."),
    model: specValue("a NIC model").optional().describe("Emulated NIC model for HVM guests, e.g. `e1000`."),
    vifname: specValue("an interface name").optional().describe("Backend interface name in dom0."),
    type: specValue("a vif type").optional().describe("`ioemu` or `vif` (HVM guests)."),
  })
  .describe("One network interface: written as `mac=…,bridge=…,ip=…`.");

export const vfbSchema = z
  .strictObject({
    type: z.enum(["vnc", "sdl"], { error: "must be vnc or sdl" }).default("vnc").describe("`vnc` or `sdl`."),
    vnclisten: specValue("an address").optional().describe("Address the VNC server listens on (default 127.0.0.1)."),
    vncdisplay: z.number({ error: "must be a number" }).int("must be an integer").min(0).optional().describe("VNC display number (port 5900+N)."),
    vncunused: z.boolean({ error: "must be true or false" }).optional().describe("Use the first free display above 5900."),
    vncpasswd: specValue("a password").optional().describe("VNC password (stored in the config file in clear)."),
    keymap: specValue("a keymap").optional().describe("Keyboard layout, e.g. `en-us`."),
  })
  .describe("One virtual frame buffer (console): written as `vnc=1,vnclisten=…`.");

/** A refinement that reports the items of a list whose `field` repeats an earlier item's (undefined keys are skipped). */
function unique<T>(list: string, field: string, key: (item: T) => string | undefined) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      if (k === undefined) return;
      const first = seen.get(k);
      if (first !== undefined) {
        const shown = (item as Record<string, unknown>)[field];
        ctx.addIssue({ code: "custom", path: [i, field], message: `${String(shown)} is already ${list}[${first}].${field}` });
      } else seen.set(k, i);
    });
  };
}

const extraValue: z.ZodType<string | number | Array<string | number>> = z.union([
  plainString("a string"),
  z.number({ error: "must be a number" }),
  z.array(z.union([plainString("a string"), z.number()]), { error: "must be a list of strings or numbers" }),
]);

export const xenDomainConfigInputsSchema = z
  .strictObject({
    connection: connectionSchema.describe("How the provider reaches the Xen host over SSH (same shape as @pulumi/command's remote connection)."),
    name: domainName()
      .describe("Domain name (`name =`), and the file name under /etc/xen. Changing it replaces the resource."),
    flavour: z
      .enum(["xm", "xl"], { error: "must be xm or xl" })
      .default("xm")
      .describe("File syntax: `xm` (Python, read by `xm create`) or `xl` (xl.cfg(5), read by `xl create`). Default xm."),
    path: absolutePath("domain's config file")
      .optional()
      .describe("Where the file goes. Default `/etc/xen/NAME` (where `xm create NAME` finds it). Changing it replaces the resource."),
    memory: z.number({ error: "must be MiB" }).int("must be whole MiB").min(16, "must be at least 16 MiB").describe("Memory at start, in MiB."),
    maxmem: z.number({ error: "must be MiB" }).int("must be whole MiB").optional().describe("Maximum memory (balloon ceiling), in MiB; at least `memory`."),
    vcpus: z.number({ error: "must be a number" }).int("must be an integer").min(1, "must be at least 1").max(512).default(1).describe("Virtual CPUs. Default 1."),
    uuid: z.string({ error: "must be a UUID" }).regex(UUID, "must be a UUID such as 06ed00fe-1162-4fc4-b5d8-11993ee4a8b9").optional().describe("Fixed domain UUID. Absent: a new one at each start."),
    boot: z
      .strictObject({
        bootloader: plainString("a path").optional().describe("Bootloader run in dom0, e.g. `/usr/bin/pygrub` (then no kernel)."),
        bootloaderArgs: plainString("arguments").optional().describe("Arguments for the bootloader."),
        kernel: plainString("a path").optional().describe("Kernel image in dom0, e.g. `/boot/vmlinuz` (PV direct boot)."),
        ramdisk: plainString("a path").optional().describe("Initial ramdisk in dom0."),
        extra: plainString("kernel arguments").optional().describe("Extra kernel command line, e.g. `console=hvc0`."),
        root: plainString("a root device").optional().describe("Root device for the kernel command line, e.g. `/dev/xvda1 ro`."),
      })
      .superRefine((b, ctx) => {
        if (b.bootloader && b.kernel) ctx.addIssue({ code: "custom", path: ["kernel"], message: "give either bootloader or kernel, not both" });
        if (!b.bootloader && !b.kernel) ctx.addIssue({ code: "custom", path: ["kernel"], message: "required: give kernel (direct boot) or bootloader (e.g. pygrub)" });
        if (b.bootloader && (b.ramdisk || b.root)) ctx.addIssue({ code: "custom", path: [b.ramdisk ? "ramdisk" : "root"], message: "only with kernel (the bootloader finds these itself)" });
      })
      .describe("How the guest boots: a bootloader such as pygrub, or a kernel with ramdisk/extra/root."),
    disks: z
      .array(diskSchema, { error: "must be a list of disks" })
      .default([])
      .superRefine(unique("disks", "vdev", (d) => d.vdev))
      .describe("Disks, in order (`disk = [...]`); virtual devices must be unique."),
    vifs: z
      .array(vifSchema, { error: "must be a list of network interfaces" })
      .default([])
      .superRefine(unique("vifs", "mac", (v) => v.mac?.toLowerCase()))
      .describe("Network interfaces, in order (`vif = [...]`); MACs must be unique."),
    vfbs: z.array(vfbSchema, { error: "must be a list of frame buffers" }).default([]).describe("Virtual frame buffers (`vfb = [...]`), e.g. `[{ type: 'vnc', vnclisten: '0.0.0.0' }]`."),
    onPoweroff: lifecycleAction.default("destroy").describe("What to do when the guest powers off (`on_poweroff`). Default destroy."),
    onReboot: lifecycleAction.default("restart").describe("What to do when the guest reboots (`on_reboot`). Default restart."),
    onCrash: lifecycleAction.default("restart").describe("What to do when the guest crashes (`on_crash`). Default restart (xm's default; xl's is destroy)."),
    extraKeys: z
      .record(
        z.string(),
        extraValue,
      )
      .default({})
      .superRefine((r, ctx) => {
        for (const k of Object.keys(r)) {
          // each key becomes `k = ...` in the file, which xm create runs as Python 2
          const why = pythonIdentifierProblem(k);
          if (why) ctx.addIssue({ code: "custom", path: [k], message: why });
          else if (TYPED_CONFIG_KEYS.includes(k)) ctx.addIssue({ code: "custom", path: [k], message: `is a typed input: use it instead of extraKeys.${k}` });
        }
      })
      .describe("Other config keys, written as they are, e.g. `{ builder: 'hvm', type: 'pv', cpus: '0-3' }`."),
    autostart: z.boolean({ error: "must be true or false" }).default(false).describe("Start the domain at boot: a link /etc/xen/auto/NAME → the file (xendomains). Default false."),
    requireSharedStorage: z
      .boolean({ error: "must be true or false" })
      .default(false)
      .describe("Refuse to write unless every disk is on a network filesystem (NFS), as live migration needs. Default false (only checks that each disk exists)."),
    timeoutSeconds: seconds(5, 3600, 120).describe("Time limit for each remote step."),
  })
  .superRefine((v, ctx) => {
    if (v.maxmem !== undefined && v.maxmem < v.memory) {
      ctx.addIssue({ code: "custom", path: ["maxmem"], message: `must be at least memory (${v.memory} MiB)` });
    }
  });

export type XenDomainConfigInputs = z.infer<typeof xenDomainConfigInputsSchema>;

export function domainConfigPath(i: Pick<XenDomainConfigInputs, "name" | "path">): string {
  return i.path ?? `/etc/xen/${i.name}`;
}

export function domainConfigId(i: Pick<XenDomainConfigInputs, "connection" | "name" | "path">): string {
  return `${i.connection.host}:${domainConfigPath(i)}`;
}

export interface XenDomainConfigObserved {
  /** The file's path on the host. */
  configPath: string;
  /** The file's content as written (or found). */
  content: string;
  /** The model read back from the file on the host (what the toolstack will use). */
  model: DomainConfigModel | null;
  /** Whether the /etc/xen/auto link exists and points at the file. */
  autostartLinked: boolean;
  /** Differences between the running domain and the file (from `xm list -l` / `xl list -l`); the domain is never restarted. */
  runningDiffers: string[];
  /** Differences between the inputs and the file on the host, in words; empty when converged. */
  drift: string[];
  /** The backup of the previous file made by the last change, or null. */
  backupPath: string | null;
  /** Whether the file existed before create (it was adopted; its backup is kept). */
  adopted: boolean;
  /** The file's content before create: delete writes it back. null: the file was new, and delete removes it. */
  previousContent: string | null;
  /** Warnings of the last create/update (MAC outside 00:16:3e, flavour vs toolstack, …), also logged. */
  warnings: string[];
}

export type XenDomainConfigOutputs = XenDomainConfigInputs & XenDomainConfigObserved;
