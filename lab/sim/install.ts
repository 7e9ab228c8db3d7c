/**
 * Hook the lab calls for each Xen host while provisioning it, before the host boots: lays the simulated
 * toolstack into the host's root (wrappers for xm/xend or xl that exec the repo's pinned Node on
 * build/lab/sim/main.js, SysV scripts enabled like a real install, the stock config files, the lab settings).
 * The host's boot then runs the enabled start links, so xend starts with the host. See lab/sim/README.md.
 */
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../paths";
import { labGuestPids } from "./guest";
import { DEFAULT_SETTINGS, Settings } from "./host-env";

export interface SimHostContext {
  lab: string;
  hostName: string;
  /** host root dir as seen from the harness, before sshd starts */
  root: string;
  toolstack: "xm" | "xl";
  address: string;
  inventoryPath: string;
  stateDir: string;
}

function put(root: string, rel: string, content: string, mode = 0o644): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.rmSync(p, { force: true });
  fs.writeFileSync(p, content, { mode });
  fs.chmodSync(p, mode);
}

function link(root: string, rel: string, target: string): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.rmSync(p, { force: true });
  fs.symlinkSync(target, p);
}

export function nodeBinary(): string {
  const pinned = path.join(repoRoot(), "node_modules", "node", "bin", "node");
  return fs.existsSync(pinned) ? pinned : process.execPath;
}

function wrapper(tool: string): string {
  const main = path.join(repoRoot(), "build", "lab", "sim", "main.js");
  return `#!/bin/sh\n# xen-ha lab: Xen toolstack simulator (lab/sim)\nexec ${nodeBinary()} ${main} ${tool} "$@"\n`;
}

const XEND_INIT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          xend
# Required-Start:    $remote_fs $syslog
# Required-Stop:     $remote_fs $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Xen control daemon
### END INIT INFO
# chkconfig: 2345 98 01
# description: Starts and stops the Xen control daemon (xen-ha lab simulator).

case "$1" in
  start)
    echo -n "Starting xend daemon: "
    if /usr/sbin/xend start; then echo "OK"; exit 0; else echo "FAILED (see /var/log/xen/xend.log)"; exit 1; fi
    ;;
  stop)
    echo -n "Stopping xend daemon: "
    /usr/sbin/xend stop
    echo "OK"
    ;;
  restart|reload|force-reload)
    "$0" stop
    exec "$0" start
    ;;
  status)
    if /usr/sbin/xend status; then echo "xend daemon running"; exit 0; else echo "xend daemon is stopped"; exit 3; fi
    ;;
  *)
    echo "Usage: $0 {start|stop|status|restart|reload|force-reload}"
    exit 2
    ;;
esac
exit 0
`;

function xendomainsInit(): string {
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          xendomains
# Required-Start:    $remote_fs $syslog xend
# Required-Stop:     $remote_fs $syslog xend
# Should-Start:      xen
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Start/stop secondary xen domains
### END INIT INFO
# chkconfig: 2345 99 00
# description: Starts and stops the Xen domains of /etc/xen/auto (xen-ha lab simulator).

exec ${nodeBinary()} ${path.join(repoRoot(), "build", "lab", "sim", "main.js")} xendomains "$@"
`;
}

export async function installToolstack(ctx: SimHostContext): Promise<void> {
  const { root } = ctx;
  const files = path.join(repoRoot(), "lab", "sim", "files");
  const settings: Partial<Settings> = {
    lab: ctx.lab, hostName: ctx.hostName, toolstack: ctx.toolstack, address: ctx.address,
    xenVersion: ctx.toolstack === "xl" ? "4.17.7" : "4.1.6.1", ...DEFAULT_SETTINGS,
  };
  put(root, "etc/xen/sim.json", JSON.stringify(settings, null, 2) + "\n");
  fs.mkdirSync(path.join(root, "etc/xen/auto"), { recursive: true });
  fs.mkdirSync(path.join(root, "var/log/xen"), { recursive: true });
  for (const script of ["vif-bridge", "block"]) {
    put(root, `etc/xen/scripts/${script}`, "#!/bin/sh\n# hotplug script: the simulator plugs devices itself\nexit 0\n", 0o755);
  }
  put(root, "etc/default/xendomains", fs.readFileSync(path.join(files, "default-xendomains"), "utf8"));
  put(root, "etc/init.d/xendomains", xendomainsInit(), 0o755);
  const runlevels = { start: ["2", "3", "4", "5"], stop: ["0", "1", "6"] };
  if (ctx.toolstack === "xm") {
    fs.mkdirSync(path.join(root, "var/lib/xend"), { recursive: true });
    put(root, "etc/xen/xend-config.sxp", fs.readFileSync(path.join(files, "xend-config.sxp"), "utf8"));
    put(root, "usr/sbin/xm", wrapper("xm"), 0o755);
    put(root, "usr/sbin/xend", wrapper("xend"), 0o755);
    put(root, "etc/init.d/xend", XEND_INIT, 0o755);
    for (const l of runlevels.start) link(root, `etc/rc${l}.d/S98xend`, "../init.d/xend");
    for (const l of runlevels.stop) link(root, `etc/rc${l}.d/K02xend`, "../init.d/xend");
  } else {
    fs.mkdirSync(path.join(root, "var/lib/xen"), { recursive: true });
    put(root, "etc/xen/xl.conf", fs.readFileSync(path.join(files, "xl.conf"), "utf8"));
    put(root, "usr/sbin/xl", wrapper("xl"), 0o755);
  }
  for (const l of runlevels.start) link(root, `etc/rc${l}.d/S99xendomains`, "../init.d/xendomains");
  for (const l of runlevels.stop) link(root, `etc/rc${l}.d/K01xendomains`, "../init.d/xendomains");
}

/**
 * Kills this lab's guests wherever they run. The lab's per-host cgroups already catch them (a guest is moved
 * into its current host's cgroup when it migrates); this is the belt to those braces, by the guest's tag.
 */
export async function teardownToolstack(ctx: SimHostContext): Promise<void> {
  for (const pid of labGuestPids(ctx.lab)) {
    try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  }
}
