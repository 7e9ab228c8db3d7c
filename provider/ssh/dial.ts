/**
 * Opening one authenticated SSH connection: host-key policy, credentials, per-dial timeout, retries with
 * backoff up to dialErrorLimit, and tunnelling through a jump host.
 */
import { readFileSync } from "fs";
import { homedir } from "os";
import type { Duplex } from "stream";
import { Client, type ConnectConfig } from "ssh2";
import type { ProxyConnection } from "./connection";
import { connectionLabel } from "./connection";
import {
  type HostKeyPolicy,
  type Verdict,
  parseKnownHosts,
  parsePinnedKey,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from "./host-key";
import { SshConnectionError } from "./remote-host";

/**
 * Interval and count of SSH-level keepalives: a dead peer is noticed within about 45 s
 * (XENHA_SSH_KEEPALIVE_MS overrides the interval, for tests).
 */
const KEEPALIVE_INTERVAL_MS = Number(process.env.XENHA_SSH_KEEPALIVE_MS ?? 15_000);
const KEEPALIVE_COUNT_MAX = 3;

export interface Dialed {
  client: Client;
  /** The key blob the server presented, kept so that later users of a pooled connection can check it. */
  hostKey: Buffer;
}

/** Reads known_hosts now (not at schema time) so that a file edited between runs is honoured. */
export function hostKeyPolicy(conn: ProxyConnection): HostKeyPolicy {
  if (conn.insecureIgnoreHostKey) return { kind: "insecure" };
  if (conn.hostKey !== undefined) {
    const pinned = parsePinnedKey(conn.hostKey);
    if (typeof pinned === "string") throw new Error(`connection.hostKey: ${pinned}`);
    return { kind: "pinned", pinned };
  }
  const paths = conn.knownHostsPath !== undefined
    ? [conn.knownHostsPath]
    : [`${homedir()}/.ssh/known_hosts`, "/etc/ssh/ssh_known_hosts"];
  const found: string[] = [];
  let text = "";
  for (const p of paths) {
    try {
      text += readFileSync(p, "utf8") + "\n";
      found.push(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new Error(`cannot read known_hosts file ${p}: ${String(e)}`);
    }
  }
  const label = found.length > 0 ? found.join(" and ") : paths[0];
  return { kind: "knownHosts", path: label, entries: parseKnownHosts(text), missing: found.length === 0 };
}

function authConfig(conn: ProxyConnection): Partial<ConnectConfig> {
  const cfg: Partial<ConnectConfig> = {};
  if (conn.privateKey !== undefined) {
    cfg.privateKey = conn.privateKey;
    if (conn.privateKeyPassword !== undefined) cfg.passphrase = conn.privateKeyPassword;
  }
  if (conn.password !== undefined) {
    cfg.password = conn.password;
    cfg.tryKeyboard = true; // many sshd configs offer passwords only through keyboard-interactive
  }
  const agent = conn.agentSocketPath ?? process.env.SSH_AUTH_SOCK;
  if (agent) cfg.agent = agent;
  return cfg;
}

/** Errors worth another dial: the network or the server's startup, not our credentials or its key. */
export function retryable(err: Error & { level?: string; code?: string }): boolean {
  if (err instanceof SshConnectionError) return err.reason === "timeout" || err.reason === "network";
  if (err.level === "client-authentication") return false;
  if (err.code === "ENOTFOUND") return false;
  return true;
}

export function backoffMs(failures: number): number {
  return Math.min(500 * 2 ** (failures - 1), 8_000);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Dials until connected, or until dialErrorLimit dials failed (or a failure that retrying cannot fix).
 * `via` opens the TCP stream through a jump host when there is one.
 */
export async function dialWithRetries(
  conn: ProxyConnection,
  via?: () => Promise<Duplex>,
): Promise<Dialed> {
  const label = connectionLabel(conn);
  const policy = hostKeyPolicy(conn);
  const limit = conn.dialErrorLimit;
  const errors: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await dialOnce(conn, policy, via);
    } catch (e) {
      const err = e as Error;
      errors.push(err.message);
      const exhausted = limit !== -1 && attempt >= limit;
      if (!retryable(err) || exhausted) {
        if (!retryable(err)) throw err;
        const timeout = conn.perDialTimeout > 0 ? `, each bounded by perDialTimeout ${conn.perDialTimeout} s` : "";
        throw new SshConnectionError(label,
          `cannot connect to ${label}: ${attempt} dial attempt${attempt > 1 ? "s" : ""} failed ` +
          `(dialErrorLimit ${limit}${timeout}); last error: ${err.message}`,
          (err as SshConnectionError).reason ?? "network");
      }
      await sleep(backoffMs(attempt));
    }
  }
}

function dialOnce(conn: ProxyConnection, policy: HostKeyPolicy, via?: () => Promise<Duplex>): Promise<Dialed> {
  const label = connectionLabel(conn);
  return new Promise<Dialed>((resolve, reject) => {
    const client = new Client();
    let verdict: Verdict | undefined;
    let presented: Buffer | undefined;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.removeAllListeners("ready");
      client.on("error", () => undefined); // late errors of a dead attempt must not crash the process
      client.destroy();
      reject(err);
    };
    const timer = conn.perDialTimeout > 0
      ? setTimeout(() => fail(new SshConnectionError(label,
        `connecting to ${label} timed out after ${conn.perDialTimeout} s (perDialTimeout)`, "timeout")),
      conn.perDialTimeout * 1000)
      : undefined;
    timer?.unref();
    client.on("ready", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ client, hostKey: presented as Buffer });
    });
    client.on("error", (err: Error & { level?: string; code?: string }) => {
      if (verdict && !verdict.ok) {
        fail(new SshConnectionError(label, verdict.message, `hostkey-${verdict.reason}`));
      } else if (err.level === "client-authentication") {
        fail(new SshConnectionError(label,
          `authentication to ${label} failed: the server accepted none of the configured credentials ` +
          `(${credentialsSummary(conn)})`, "auth"));
      } else {
        const network = ["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EPIPE"];
        fail(new SshConnectionError(label, `connecting to ${label} failed: ${err.message}`,
          err.code && network.includes(err.code) ? "network" : err.code === "ENOTFOUND" ? "dns" : "network"));
      }
    });
    client.on("close", () => fail(new SshConnectionError(label,
      `connecting to ${label} failed: the server closed the connection during the handshake`, "network")));

    const start = (sock?: Duplex) => {
      if (settled) {
        sock?.destroy();
        return;
      }
      try {
        client.connect(config(sock));
      } catch (e) {
        // ssh2 refuses some inputs synchronously (an unreadable or encrypted key without its password):
        // a configuration error, not worth another dial.
        fail(new SshConnectionError(label, `cannot connect to ${label}: ${credentialProblem((e as Error).message)}`,
          "config"));
      }
    };
    const config = (sock?: Duplex): ConnectConfig => ({
      ...(sock ? { sock } : { host: conn.host, port: conn.port }),
      username: conn.user,
      ...authConfig(conn),
      readyTimeout: 0, // bounded by our own perDialTimeout timer, which also covers the jump host
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      algorithms: { serverHostKey: preferredHostKeyAlgorithms(policy, conn.host, conn.port) as never },
      hostVerifier: (key: Buffer) => {
        presented = Buffer.from(key);
        verdict = verifyHostKey(policy, conn.host, conn.port, presented);
        return verdict.ok;
      },
    });
    if (via) via().then(start, (e: Error) => fail(new SshConnectionError(label,
      `connecting to ${label} through its proxy failed: ${e.message}`, (e as SshConnectionError).reason ?? "network")));
    else start();
  });
}

/** ssh2's words about a key, said in terms of our fields. */
function credentialProblem(message: string): string {
  if (/no passphrase given/i.test(message)) return "connection.privateKey is encrypted: give connection.privateKeyPassword";
  if (/bad passphrase|integrity check failed|bad decrypt/i.test(message)) {
    return "connection.privateKeyPassword does not decrypt connection.privateKey";
  }
  if (/privateKey|key format|parse/i.test(message)) return `connection.privateKey cannot be used: ${message}`;
  return message;
}

function credentialsSummary(conn: ProxyConnection): string {
  const tried = [
    conn.privateKey !== undefined ? "privateKey" : "",
    conn.password !== undefined ? "password" : "",
    conn.agentSocketPath ?? process.env.SSH_AUTH_SOCK ? "agent" : "",
  ].filter(Boolean);
  return tried.length > 0 ? `tried ${tried.join(", ")} as user ${conn.user}` :
    `no privateKey, password or agent was given for user ${conn.user}`;
}
