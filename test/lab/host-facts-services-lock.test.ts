/** gatherFacts, SysV services and the per-host lock on real (SysV Debian) lab hosts. */
import { gatherFacts } from "../../provider/host/facts";
import { readFile } from "../../provider/host/read-file";
import { HostLockError, withHostLock } from "../../provider/host/lock";
import { service } from "../../provider/host/service";
import { writeFileAtomic } from "../../provider/host/write-file";
import { closeAll, connect } from "../../provider/ssh/pool";
import type { RemoteHost } from "../../provider/ssh/remote-host";
import { LabSsh } from "./lab-ssh";
import { conn, eventually, hostFile, inv } from "./ssh-support";

const node1 = inv.hosts.node1;
let h: RemoteHost;
/** /run is a tmpfs inside each host, invisible from the harness side: read it over SSH. */
const runFile = (p: string) => readFile(h, p);

beforeAll(async () => {
  h = await connect(conn(node1));
});
afterAll(() => closeAll());

describe("gatherFacts", () => {
  test("runs every probe in one exec and parses each one's own output and exit code", async () => {
    let execs = 0;
    const counting: RemoteHost = { ...h, label: h.label, exec: (a, o) => (execs++, h.exec(a, o)),
      run: h.run.bind(h), script: h.script.bind(h) };
    const facts = await gatherFacts(counting, {
      hostname: { script: "hostname", parse: (o) => o.stdout.trim() },
      debian: { script: ". /etc/os-release && echo \"$ID $VERSION_ID\"", parse: (o) => o.stdout.trim() },
      missing: { script: 'cat -- "$1"', args: ["/etc/xenha-no-such-file"], parse: (o) => ({ code: o.code, err: o.stderr }) },
      exits: { script: "echo partial; exit 42", parse: (o) => [o.stdout, o.code] },
      arg: { script: 'printf "%s" "$1"', args: ["$(touch /root/xenha-canary) ; x"], parse: (o) => o.stdout },
      stdin: { script: "cat; echo done", parse: (o) => o.stdout },
    });
    expect(execs).toBe(1);
    expect(facts.hostname).toBe("node1");
    expect(facts.debian).toBe("debian 12");
    expect(facts.missing.code).toBe(1);
    expect(facts.missing.err).toContain("No such file or directory");
    expect(facts.exits).toEqual(["partial\n", 42]);
    expect(facts.arg).toBe("$(touch /root/xenha-canary) ; x");
    expect(facts.stdin).toBe("done\n");
    expect(hostFile(node1, "/root/xenha-canary")).toBeNull();
  });

  test("a parse failure names the probe and the host", async () => {
    const p = gatherFacts(h, {
      fine: { script: "echo 1", parse: (o) => Number(o.stdout) },
      broken: { script: "echo not-a-number", parse: (o) => {
        const n = Number(o.stdout);
        if (Number.isNaN(n)) throw new Error("expected a number");
        return n;
      } },
    });
    await expect(p).rejects.toThrow(/fact "broken" on root@.*: cannot understand its output .*expected a number/s);
  });
});

describe("SysV services (Debian without systemd, as the lab hosts are)", () => {
  const NAME = "xenha-dummy";
  const INIT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${NAME}
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: xen-ha test daemon
### END INIT INFO
PIDFILE=/run/${NAME}.pid
case "$1" in
  start) start-stop-daemon --start --quiet --background --make-pidfile --pidfile $PIDFILE --exec /bin/sleep -- 86400 ;;
  stop) start-stop-daemon --stop --quiet --oknodo --pidfile $PIDFILE --retry 5; rm -f $PIDFILE ;;
  restart) "$0" stop; "$0" start ;;
  reload) echo reloaded >> /run/${NAME}.reloads ;;
  status) if [ -f $PIDFILE ] && kill -0 "$(cat $PIDFILE)" 2>/dev/null; then echo running; exit 0; fi; echo stopped; exit 3 ;;
  *) echo "Usage: $0 {start|stop|restart|reload|status}" >&2; exit 2 ;;
esac
`;

  beforeAll(async () => {
    await writeFileAtomic(h, `/etc/init.d/${NAME}`, INIT, { mode: 0o755, backup: false });
  });
  afterAll(async () => {
    await h.exec(["sh", "-c", `/etc/init.d/${NAME} stop; update-rc.d -f ${NAME} remove; rm -f /etc/init.d/${NAME} /run/${NAME}.reloads`])
      .catch(() => undefined);
  });

  test("detects SysV, then start, status, reload, restart, stop", async () => {
    const s = service(h, NAME);
    expect(await s.init()).toBe("sysv");
    expect((await s.status()).state).toBe("stopped");
    await s.start();
    expect((await s.status()).state).toBe("running");
    const pid1 = await runFile(`/run/${NAME}.pid`);
    expect(pid1).toMatch(/^\d+\n?$/);
    await s.reload();
    expect(await runFile(`/run/${NAME}.reloads`)).toBe("reloaded\n");
    await s.restart();
    expect((await s.status()).state).toBe("running");
    expect(await runFile(`/run/${NAME}.pid`)).not.toBe(pid1);
    await s.stop();
    expect((await s.status()).state).toBe("stopped");
  });

  test("enable and disable at boot through update-rc.d, seen as rc links", async () => {
    const s = service(h, NAME);
    expect(await s.isEnabled()).toBe(false);
    await s.enable();
    expect(await s.isEnabled()).toBe(true);
    expect((await h.run(["sh", "-c", `ls /etc/rc2.d/ | grep ${NAME}`])).stdout).toMatch(new RegExp(`^S\\d\\d${NAME}$`, "m"));
    await s.disable();
    expect(await s.isEnabled()).toBe(false);
  });

  test("enable at boot when only the kill links are left (start links deleted by hand)", async () => {
    const s = service(h, NAME);
    const links = async () => (await h.run(["sh", "-c", 'ls /etc/rc[0-6S].d/ | grep -- "$1" || true', "sh", NAME])).stdout;
    await s.enable();
    await h.run(["sh", "-c", 'rm -f /etc/rc[2345].d/S[0-9][0-9]"$1"', "sh", NAME]);
    expect(await links()).not.toMatch(new RegExp(`^S\\d\\d${NAME}$`, "m"));
    expect(await links()).toMatch(new RegExp(`^K\\d\\d${NAME}$`, "m"));
    expect(await s.isEnabled()).toBe(false);
    await s.enable();
    expect(await s.isEnabled()).toBe(true);
    expect((await h.run(["sh", "-c", 'for l in 0 2 5; do ls "/etc/rc$l.d" | grep -x "[SK][0-9][0-9]$1"; done', "sh", NAME])).stdout)
      .toMatch(new RegExp(`^K\\d\\d${NAME}\nS\\d\\d${NAME}\nS\\d\\d${NAME}\n$`));
    await s.disable();
    expect(await s.isEnabled()).toBe(false);
  });

  test("an unknown service fails with the init system's words", async () => {
    const s = service(h, "xenha-no-such-service");
    expect((await s.status()).state).not.toBe("running");
    await expect(s.start()).rejects.toThrow(/xenha-no-such-service/);
    expect(() => service(h, "bad name; rm")).toThrow(/not a valid service name/);
  });
});

describe("withHostLock", () => {
  /** A second, independent pool (its own SSH connection), as another Pulumi run would have. */
  function otherProcess(): { connect: typeof connect; closeAll: typeof closeAll; withHostLock: typeof withHostLock } {
    let mods!: ReturnType<typeof otherProcess>;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pool = require("../../provider/ssh/pool") as typeof import("../../provider/ssh/pool");
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const lock = require("../../provider/host/lock") as typeof import("../../provider/host/lock");
      mods = { connect: pool.connect, closeAll: pool.closeAll, withHostLock: lock.withHostLock };
    });
    return mods;
  }

  test("serializes changes across two runs on separate connections", async () => {
    const other = otherProcess();
    expect(other.connect).not.toBe(connect);
    const h2 = await other.connect(conn(node1));
    const log: string[] = [];
    const step = (who: string) => async () => {
      log.push(`${who} in`);
      await new Promise((r) => setTimeout(r, 400));
      log.push(`${who} out`);
    };
    await Promise.all([withHostLock(h, "t1", step("a")), other.withHostLock(h2, "t1", step("b"))]);
    await other.closeAll();
    expect([log.slice(0, 2), log.slice(2)].every(([i, o]) => i.endsWith("in") && o.endsWith("out") &&
      i.split(" ")[0] === o.split(" ")[0])).toBe(true);
  });

  test("callers in one process queue locally, also bounded by the timeout", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = withHostLock(h, "t6", () => held);
    const e = await withHostLock(h, "t6", async () => "ran", { timeoutMs: 500 }).catch((err: Error) => err);
    expect(String(e)).toContain("held by another caller in this process");
    release();
    await first;
    expect(await withHostLock(h, "t6", async () => "ran")).toBe("ran");
  });

  test("gives up after its timeout and names the holder", async () => {
    const lab = await LabSsh.connect(node1);
    try {
      const holding = lab.sh('exec 9>>/run/lock/xen-ha-t2.lock; flock 9; echo "ops runbook script" > /run/lock/xen-ha-t2.lock; ' +
        "echo held; sleep 4");
      const seen = await eventually(() => runFile("/run/lock/xen-ha-t2.lock"), (t) => (t ?? "").includes("runbook"));
      expect(seen).toContain("runbook");
      const e = await withHostLock(h, "t2", async () => "ran", { timeoutMs: 1000 }).catch((err: Error) => err);
      expect(e).toBeInstanceOf(HostLockError);
      expect(String(e)).toContain(`could not take the lock "t2" on ${h.label} within 1 s`);
      expect(String(e)).toContain("ops runbook script");
      await holding;
      expect(await withHostLock(h, "t2", async () => "ran")).toBe("ran");
    } finally {
      lab.close();
    }
  });

  test("a holder whose session froze (as a partition leaves it) loses its lease: a waiter ends it, names it and " +
    "takes the lock, and the old holder's run fails instead of reporting success", async () => {
    const other = otherProcess();
    const h2 = await other.connect(conn(node1));
    const lab = await LabSsh.connect(node1);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = other.withHostLock(h2, "t7", () => held.then(() => "old holder done"),
      { leaseMs: 3000, description: "NfsMount frozen-holder" }).catch((e: Error) => e);
    let shellPid = "";
    try {
      const note = await eventually(() => runFile("/run/lock/xen-ha-t7.lock"), (t) => /^lease \d+ /.test(t ?? ""));
      expect(note).toContain("NfsMount frozen-holder");
      shellPid = /^lease (\d+) /.exec(note ?? "")![1];
      // Freeze the sshd process that feeds the holder's stdin: the shell lives on and holds the flock, but no
      // renewal reaches it, exactly what a cut link leaves on the host while sshd waits on TCP.
      const froze = await lab.sh('p=$(ps -o ppid= -p "$1" | tr -d " "); kill -STOP "$p" && echo "$p"', [shellPid]);
      expect(froze.code).toBe(0);
      const sshdPid = froze.stdout.trim();
      try {
        const notices: string[] = [];
        expect(await withHostLock(h, "t7", async () => "taken", { timeoutMs: 30_000, notice: (m) => notices.push(m) }))
          .toBe("taken");
        expect(notices).toHaveLength(1);
        expect(notices[0]).toContain(`took over the lock "t7" on ${h.label}`);
        expect(notices[0]).toContain("NfsMount frozen-holder");
        expect(notices[0]).toContain(`pid ${process.pid}`);
        // ended: gone, or a zombie until its frozen parent reaps it
        expect((await lab.sh('case "$(ps -o stat= -p "$1")" in ""|Z*) echo ended;; esac', [shellPid])).stdout)
          .toContain("ended");
      } finally {
        await lab.sh('kill -CONT "$1"', [sshdPid]);
      }
      release();
      const outcome = await first;
      expect((outcome as Error).name).toBe("HostLockError"); // the other process's own class
      expect(String(outcome)).toContain(`the lock "t7" on ${h2.label} was lost while this run held it`);
      expect(await withHostLock(h, "t7", async () => "again")).toBe("again");
    } finally {
      release();
      await first;
      await other.closeAll();
      lab.close();
    }
  });

  test("a run-out lease note is not a licence to kill: a holder that does not keep the lock file open is never " +
    "ended, and the waiter says why", async () => {
    const lab = await LabSsh.connect(node1);
    try {
      // An operator's flock script holds the lock and left a stale note naming an unrelated process.
      const holding = lab.sh('sleep 30 & innocent=$!; exec 9>>/run/lock/xen-ha-t8.lock; flock 9; ' +
        'echo "lease $innocent 1 an old run" > /run/lock/xen-ha-t8.lock; echo "$innocent" > /tmp/xenha-t8-innocent; ' +
        "sleep 5; exec 9>&-; kill $innocent");
      const innocent = await eventually(() => lab.sh("cat /tmp/xenha-t8-innocent 2>/dev/null"), (r) => r.stdout !== "");
      const e = await withHostLock(h, "t8", async () => "ran", { timeoutMs: 2000 }).catch((err: Error) => err);
      expect(e).toBeInstanceOf(HostLockError);
      expect(String(e)).toContain("an old run, lease until 1970-01-01T00:00:01Z (host clock)");
      expect(String(e)).toContain(`pid ${innocent.stdout.trim()} does not hold the lock file`);
      expect((await lab.sh('kill -0 "$1" && echo alive', [innocent.stdout.trim()])).stdout).toContain("alive");
      await holding;
      expect(await withHostLock(h, "t8", async () => "ran")).toBe("ran");
    } finally {
      await lab.sh("rm -f /tmp/xenha-t8-innocent");
      lab.close();
    }
  });

  test("is reentrant along one call chain and released when the connection drops", async () => {
    expect(await withHostLock(h, "t3", () => withHostLock(h, "t3", async () => "nested"))).toBe("nested");
    const other = otherProcess();
    const h2 = await other.connect(conn(node1));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = other.withHostLock(h2, "t4", () => held).catch(() => undefined);
    const seen = await eventually(() => runFile("/run/lock/xen-ha-t4.lock"), (t) => (t ?? "").includes("pulumi-xen-ha"));
    expect(seen).toContain(`pid ${process.pid}`);
    await other.closeAll(); // the holder's connection goes away without releasing
    expect(await withHostLock(h, "t4", async () => "taken", { timeoutMs: 10_000 })).toBe("taken");
    release();
    await first;
  });
});
