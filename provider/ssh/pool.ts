/**
 * The per-process connection pool: one SSH connection per (host, port, user), shared by every resource.
 *
 * Pulumi serializes dynamic providers and captures local modules by value, which would give every resource
 * its own copy of this state. Providers therefore reach this module at call time by package name,
 * `require("pulumi-xen-ha/ssh/pool")`, so that Node's module cache makes its state one per process.
 * Nothing needs closing at exit (the engine kills the provider process); idle connections close by
 * themselves after a while, and closeAll() is there for tests and scripts.
 */
import type { Duplex } from "stream";
import { type Connection, type ConnectionInput, type ProxyConnection, connectionLabel, parseConnection }
  from "./connection";
import { dialWithRetries, hostKeyPolicy } from "./dial";
import { type SudoOptions, runOnSession } from "./exec";
import { verifyHostKey } from "./host-key";
import { quoteArgv, scriptArgv } from "./quote";
import { type ExecOptions, type ExecResult, type RemoteHost, type RemoteProcess, ExecError, SshConnectionError }
  from "./remote-host";
import { Session } from "./session";

/** An unused connection is closed after this long (XENHA_SSH_IDLE_MS overrides; 0 keeps it open). */
const IDLE_MS = Number(process.env.XENHA_SSH_IDLE_MS ?? 30_000);

const sessions = new Map<string, Promise<Session>>();
/** Host-key policies already checked against a live session's key, so known_hosts is read once per session. */
const verified = new WeakMap<Session, Set<string>>();

function poolKey(c: { user: string; host: string; port: number }): string {
  return connectionLabel(c);
}

function policyKey(c: ProxyConnection): string {
  return JSON.stringify([c.hostKey ?? null, c.knownHostsPath ?? null, c.insecureIgnoreHostKey ?? false]);
}

/**
 * A connection opened by one resource serves others too; each must still agree with the key that connection
 * was made to, under its own host-key settings.
 */
function checkReuse(session: Session, conn: ProxyConnection): void {
  const k = policyKey(conn);
  let done = verified.get(session);
  if (done?.has(k)) return;
  const verdict = verifyHostKey(hostKeyPolicy(conn), conn.host, conn.port, session.hostKey);
  if (!verdict.ok) throw new SshConnectionError(session.label, verdict.message, `hostkey-${verdict.reason}`);
  if (!done) verified.set(session, (done = new Set()));
  done.add(k);
}

function forwardThrough(jump: Session, host: string, port: number): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    jump.client.forwardOut("127.0.0.1", 0, host, port, (err, stream) => {
      if (err) {
        reject(new SshConnectionError(jump.label, `the jump host ${jump.label} could not reach ${host}:${port}: ` +
          err.message, "network"));
        return;
      }
      const release = jump.retain();
      stream.on("close", release);
      resolve(stream);
    });
  });
}

/** What a dial depends on; callers waiting on a failed dial with the same inputs share its failure. */
const dialInputs = new WeakMap<Promise<Session>, string>();

async function sessionFor(conn: ProxyConnection & { proxy?: ProxyConnection }): Promise<Session> {
  const key = poolKey(conn);
  let pending = sessions.get(key);
  if (pending) {
    const outcome = await pending.then((s) => ({ s }), (e: Error) => ({ e }));
    if ("s" in outcome && outcome.s.alive) {
      checkReuse(outcome.s, conn);
      return outcome.s;
    }
    // Resources created together on an unreachable host would otherwise each repeat every dial in turn.
    if ("e" in outcome && dialInputs.get(pending) === JSON.stringify(conn)) throw outcome.e;
    if (sessions.get(key) === pending) sessions.delete(key);
    pending = sessions.get(key);
    if (pending) return sessionFor(conn);
  }
  const proxy = conn.proxy;
  const via = proxy ? async () => forwardThrough(await sessionFor(proxy), conn.host, conn.port) : undefined;
  const created = dialWithRetries(conn, via).then(({ client, hostKey }) => {
    const s = new Session(key, client, hostKey, IDLE_MS, () => {
      if (sessions.get(key) === created) sessions.delete(key);
    });
    verified.set(s, new Set([policyKey(conn)]));
    return s;
  });
  sessions.set(key, created);
  dialInputs.set(created, JSON.stringify(conn));
  created.catch(() => {
    if (sessions.get(key) === created) sessions.delete(key);
  });
  return created;
}

/**
 * Runs one call on the pooled session, re-dialing once when the pooled connection turns out to be dead
 * before the command started (then it certainly did not run).
 */
async function withSession<T>(conn: Connection, f: (s: Session) => Promise<T>): Promise<T> {
  const s = await sessionFor(conn);
  try {
    return await f(s);
  } catch (e) {
    if (e instanceof SshConnectionError && e.reason === "lost") return f(await sessionFor(conn));
    throw e;
  }
}

/** Hosts whose sudo requires a terminal (sudoers requiretty), learnt on first refusal. */
const needsTty = new Set<string>();

/** Stages stdin in a private temp file (as the connection user), since a terminal cannot carry it intact. */
const STAGE_STDIN = 'umask 077; t=$(mktemp "${TMPDIR:-/tmp}/xen-ha-stdin.XXXXXXXX") && cat > "$t" && printf "%s" "$t"';

async function runWithTty(s: Session, argv: readonly string[], opts: ExecOptions | undefined, sudo: SudoOptions)
  : Promise<ExecResult> {
  if (opts?.stdin === undefined) return runOnSession(s, argv, opts, sudo, { pty: true });
  const staged = await runOnSession(s, ["sh", "-c", STAGE_STDIN], { stdin: opts.stdin, timeoutMs: opts.timeoutMs });
  const file = staged.stdout;
  if (staged.code !== 0 || !/^\/[^\n]+$/.test(file)) {
    throw new ExecError(s.label, ["sh", "-c", STAGE_STDIN], staged);
  }
  try {
    return await runOnSession(s, argv, opts, sudo, { pty: true, stdinFile: file });
  } finally {
    await runOnSession(s, ["rm", "-f", "--", file], { timeoutMs: 15_000 }).catch(() => undefined);
  }
}

class PooledHost implements RemoteHost {
  readonly label: string;
  constructor(private readonly conn: Connection) {
    this.label = connectionLabel(conn);
  }

  private get sudo() {
    return this.conn.sudo && this.conn.user !== "root" ? this.conn.sudo : undefined;
  }

  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    quoteArgv(argv); // reject bad argv (empty, NUL) before connecting
    const sudo = this.sudo;
    if (!sudo) return withSession(this.conn, (s) => runOnSession(s, argv, opts));
    return withSession(this.conn, async (s) => {
      if (!needsTty.has(this.label)) {
        try {
          return await runOnSession(s, argv, opts, sudo);
        } catch (e) {
          if (!(e instanceof SshConnectionError && e.reason === "sudo-tty")) throw e;
          needsTty.add(this.label); // sudo refused before running anything: retry the same call with a pty
        }
      }
      return runWithTty(s, argv, opts, sudo);
    });
  }

  async run(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    const r = await this.exec(argv, opts);
    if (r.code !== 0) throw new ExecError(this.label, argv, r);
    return r;
  }

  script(body: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.exec(scriptArgv(body, args), opts);
  }

  /** Runs as the connection user, never through sudo (a held process has no place for sudo's handshake). */
  async spawn(argv: readonly string[]): Promise<RemoteProcess> {
    const command = quoteArgv(argv);
    return withSession(this.conn, async (s) => {
      const channel = await s.open({ command });
      let released = false;
      const release = () => {
        if (!released) {
          released = true;
          s.release();
        }
      };
      const done = new Promise<ExecResult>((resolve, reject) => {
        let code: number | null = null;
        const noteExit = (c?: number | null, sig?: string) => {
          if (typeof c === "number") code = c;
          else if (sig) code = 128;
        };
        channel.on("exit", noteExit);
        const unsub = s.whenLost((e) => {
          release();
          reject(e);
        });
        channel.on("close", (c?: number | null, sig?: string) => {
          noteExit(c, sig);
          unsub();
          release();
          if (code === null) reject(new SshConnectionError(this.label, `a command on ${this.label} ended without ` +
            "an exit status", "lost-during"));
          else resolve({ code, stdout: "", stderr: "" });
        });
        channel.on("error", () => undefined);
      });
      done.catch(() => undefined);
      return {
        stdin: channel,
        stdout: channel,
        stderr: channel.stderr,
        done,
        kill: () => {
          try {
            channel.end();
            channel.close();
          } catch {
            // already closed
          }
        },
      };
    });
  }
}

/**
 * A host on the shared pool. Validates the input and opens (or reuses) the connection, so that a bad address,
 * credentials or host key fail here; later calls re-dial if the connection was dropped meanwhile.
 */
export async function connect(conn: ConnectionInput | Connection): Promise<RemoteHost> {
  const parsed = parseConnection(conn);
  await sessionFor(parsed);
  return new PooledHost(parsed);
}

/** Closes every pooled connection (tests, scripts). Commands still running fail. */
export async function closeAll(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(all.map((p) => p.then((s) => s.close(), () => undefined)));
}

/** Counts for diagnostics (not proof of connection counts: tests count on the server). */
export function poolSize(): number {
  return sessions.size;
}

/**
 * Cuts a pooled connection abruptly, as a network failure would: the socket is destroyed without any SSH
 * goodbye. For tests of what a cut does to commands in flight; the next call re-dials.
 */
export async function dropConnection(label: string): Promise<boolean> {
  const pending = sessions.get(label);
  if (!pending) return false;
  const s = await pending.catch(() => undefined);
  if (!s) return false;
  s.sever();
  return true;
}
