/**
 * Services on systemd or SysV init. SysV hosts (RHEL/OL/CentOS 5-6, Debian without systemd) use `service`
 * (or /etc/init.d/NAME) for run state and chkconfig or update-rc.d for boot; "enabled" there means a start
 * link (S??NAME) in one of the multi-user runlevels 2-5.
 */
import type { ExecResult, RemoteHost } from "../ssh/remote-host";
import type { Probe, ProbeOutput } from "./facts";
import { ExecError } from "../ssh/remote-host";

export type InitSystem = "systemd" | "sysv";
export type ServiceState = "running" | "stopped" | "unknown";

export interface ServiceStatus {
  state: ServiceState;
  /** The status command's exit code and output, for messages. */
  code: number;
  output: string;
}

export interface Service {
  readonly name: string;
  init(): Promise<InitSystem>;
  status(): Promise<ServiceStatus>;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  reload(): Promise<void>;
  enable(): Promise<void>;
  disable(): Promise<void>;
  isEnabled(): Promise<boolean>;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/;

/** sd_booted(): systemd is the running init exactly when this folder exists. */
const IS_SYSTEMD = "[ -d /run/systemd/system ]";
const DETECT = `if ${IS_SYSTEMD}; then echo systemd; else echo sysv; fi`;

/** The rc folders' entries (start or kill links) of the service named "$n", Debian and RHEL layouts. */
const SYSV_LINK_GLOBS = '/etc/rc[0-6S].d/[SK][0-9][0-9]"$n" /etc/rc.d/rc[0-6].d/[SK][0-9][0-9]"$n"';

/**
 * The SysV action: `service` when present (it sets up a clean environment), else the init script itself.
 * RHEL 5 has service in /sbin, which is not on a non-login PATH.
 */
const SYSV_ACTION = `PATH=$PATH:/sbin:/usr/sbin
if command -v service >/dev/null 2>&1; then exec service "$1" "$2"; fi
if [ -x "/etc/init.d/$1" ]; then exec "/etc/init.d/$1" "$2"; fi
echo "no init script /etc/init.d/$1" >&2
exit 5`;

const SYSV_ENABLE = `PATH=$PATH:/sbin:/usr/sbin
if [ ! -e "/etc/init.d/$1" ]; then echo "no init script /etc/init.d/$1" >&2; exit 5; fi
if command -v chkconfig >/dev/null 2>&1; then
  if [ "$2" = on ]; then chkconfig --add "$1" 2>/dev/null; fi
  exec chkconfig "$1" "$2"
fi
if command -v update-rc.d >/dev/null 2>&1; then
  if [ "$2" = on ]; then
    if [ "$3" = relink ] && grep -Eq '^#[[:space:]]*Default-Start:.*[2-5]' "/etc/init.d/$1"; then
      update-rc.d -f "$1" remove >/dev/null || exit
    fi
    update-rc.d "$1" defaults >/dev/null || exit
    exec update-rc.d "$1" enable
  fi
  exec update-rc.d "$1" disable
fi
echo "neither chkconfig nor update-rc.d is installed" >&2
exit 5`;

/** Lists the rc folders' entries for the service, one per line ("/etc/rc3.d/S20nfs"). */
const SYSV_LINKS = `n=$1
for f in ${SYSV_LINK_GLOBS}; do
  [ -e "$f" ] || [ -L "$f" ] && printf '%s\\n' "$f"
done
exit 0`;

/** The service's rc links in a listing: runlevel and start (S) or kill (K). Pure. */
function sysvLinks(listing: string, name: string): Array<{ level: string; kind: "S" | "K" }> {
  return listing.split("\n").flatMap((line) => {
    const m = /\/rc([0-6S])\.d\/([SK])\d\d(.+)$/.exec(line.trim());
    return m !== null && m[3] === name ? [{ level: m[1], kind: m[2] as "S" | "K" }] : [];
  });
}

const MULTI_USER = "2345";

/** Whether rc links say the service starts at boot: a start link in runlevel 2, 3, 4 or 5. Pure. */
export function parseSysvLinks(listing: string, name: string): boolean {
  return sysvLinks(listing, name).some((l) => l.kind === "S" && MULTI_USER.includes(l.level));
}

/**
 * Whether update-rc.d cannot enable the service from these links: `enable` only turns the links already in
 * runlevels 2-5 into start links (else "no runlevel symlinks to modify"), and `defaults` adds none while any
 * link is left, e.g. only the K links of runlevels 0, 1 and 6 after the S links were deleted by hand. Such
 * links are then made again from the script's LSB header. Pure.
 */
export function sysvNeedsRelink(listing: string, name: string): boolean {
  const links = sysvLinks(listing, name);
  return links.length > 0 && !links.some((l) => MULTI_USER.includes(l.level));
}

/** LSB status codes: 0 running, 1-3 not running, 4 unknown. Pure. */
export function sysvState(code: number): ServiceState {
  if (code === 0) return "running";
  if (code >= 1 && code <= 3) return "stopped";
  return "unknown";
}

/** `systemctl is-active` words. Pure. */
export function systemdState(word: string): ServiceState {
  const w = word.trim();
  if (w === "active" || w === "reloading" || w === "activating") return "running";
  if (w === "inactive" || w === "failed" || w === "deactivating") return "stopped";
  return "unknown";
}

/**
 * Whether `systemctl is-enabled` says the unit starts at boot. Debian's nfs-kernel-server is an alias of
 * nfs-server: is-enabled says "alias" for it. Pure.
 */
export function systemdEnabled(word: string): boolean {
  const w = word.trim();
  return w === "enabled" || w === "alias";
}

/** What serviceProbe observed. */
export interface ServiceFact {
  init: "systemd" | "sysv";
  /** The service found, or null when none of the candidates exists. */
  name: string | null;
  running: boolean;
  enabledAtBoot: boolean;
}

const SERVICE_SCRIPT = `PATH=$PATH:/sbin:/usr/sbin
if ${IS_SYSTEMD}; then init=systemd; else init=sysv; fi
printf 'init %s\\n' "$init"
for n in "$@"; do
  if [ "$init" = systemd ]; then
    case "$(systemctl show -p LoadState "$n.service" 2>/dev/null)" in *=loaded) ;; *) continue ;; esac
    printf 'name %s\\n' "$n"
    printf 'active %s\\n' "$(systemctl is-active "$n" 2>/dev/null)"
    printf 'enabled %s\\n' "$(systemctl is-enabled "$n" 2>/dev/null)"
  else
    [ -x "/etc/init.d/$n" ] || continue
    printf 'name %s\\n' "$n"
    if command -v service >/dev/null 2>&1; then service "$n" status >/dev/null 2>&1; else "/etc/init.d/$n" status >/dev/null 2>&1; fi
    printf 'status %s\\n' "$?"
    for f in ${SYSV_LINK_GLOBS}; do
      if [ -e "$f" ] || [ -L "$f" ]; then printf 'link %s\\n' "$f"; fi
    done
  fi
  exit 0
done`;

/** serviceProbe's parser. Pure. */
export function parseService(o: ProbeOutput): ServiceFact {
  const lines = o.stdout.split("\n");
  const value = (key: string) => lines.find((l) => l.startsWith(`${key} `))?.slice(key.length + 1);
  const init = value("init") === "systemd" ? "systemd" : "sysv";
  const name = value("name") ?? null;
  if (name === null) return { init, name, running: false, enabledAtBoot: false };
  if (init === "systemd") {
    return {
      init,
      name,
      running: systemdState(value("active") ?? "") === "running",
      enabledAtBoot: systemdEnabled(value("enabled") ?? ""),
    };
  }
  const links = lines.filter((l) => l.startsWith("link ")).map((l) => l.slice(5)).join("\n");
  return { init, name, running: sysvState(Number(value("status") ?? "4")) === "running", enabledAtBoot: parseSysvLinks(links, name) };
}

/**
 * A probe for gatherFacts: the first of the candidate services that exists, with its run state and whether it
 * starts at boot, read without changing anything (one round trip together with a resource's other probes).
 */
export const serviceProbe = (candidates: readonly string[]): Probe<ServiceFact> => ({
  script: SERVICE_SCRIPT,
  args: [...candidates],
  parse: parseService,
});

export function service(h: RemoteHost, name: string): Service {
  if (!NAME.test(name)) throw new Error(`service name ${JSON.stringify(name)} is not a valid service name`);
  let detected: Promise<InitSystem> | undefined;
  const init = () => {
    detected ??= h.run(["sh", "-c", DETECT]).then((r) => (r.stdout.trim() === "systemd" ? "systemd" : "sysv"));
    return detected;
  };
  const check = (argv: string[], r: ExecResult) => {
    if (r.code !== 0) throw new ExecError(h.label, argv, r);
  };
  const act = async (action: "start" | "stop" | "restart" | "reload") => {
    const argv = (await init()) === "systemd"
      ? ["systemctl", action, name]
      : ["sh", "-c", SYSV_ACTION, "sh", name, action];
    check(argv, await h.exec(argv, { timeoutMs: 120_000 }));
  };
  const links = async () => (await h.run(["sh", "-c", SYSV_LINKS, "sh", name])).stdout;
  const setBoot = async (on: boolean) => {
    const argv = (await init()) === "systemd"
      ? ["systemctl", on ? "enable" : "disable", name]
      : ["sh", "-c", SYSV_ENABLE, "sh", name, on ? "on" : "off", ...(on && sysvNeedsRelink(await links(), name) ? ["relink"] : [])];
    check(argv, await h.exec(argv));
  };
  return {
    name,
    init,
    async status() {
      if ((await init()) === "systemd") {
        const r = await h.exec(["systemctl", "is-active", name]);
        return { state: systemdState(r.stdout), code: r.code, output: r.stdout + r.stderr };
      }
      const r = await h.exec(["sh", "-c", SYSV_ACTION, "sh", name, "status"]);
      return { state: sysvState(r.code), code: r.code, output: r.stdout + r.stderr };
    },
    start: () => act("start"),
    stop: () => act("stop"),
    restart: () => act("restart"),
    reload: () => act("reload"),
    enable: () => setBoot(true),
    disable: () => setBoot(false),
    async isEnabled() {
      if ((await init()) === "systemd") {
        const r = await h.exec(["systemctl", "is-enabled", name]);
        return systemdEnabled(r.stdout);
      }
      return parseSysvLinks(await links(), name);
    },
  };
}
