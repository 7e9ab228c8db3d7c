/**
 * One live SSH connection and the channels on it. sshd allows MaxSessions (default 10) session channels per
 * connection, so channels beyond that wait in a queue; if the server allows fewer, the limit shrinks to what
 * it accepted.
 */
import type { Client, ClientChannel, ExecOptions } from "ssh2";
import { SshConnectionError } from "./remote-host";

export const MAX_SESSIONS = 10;

export interface ChannelRequest {
  command: string;
  pty?: boolean;
}

export class Session {
  readonly label: string;
  readonly client: Client;
  readonly hostKey: Buffer;
  private limit = MAX_SESSIONS;
  private active = 0;
  private retained = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly onLost = new Set<(err: Error) => void>();
  private lostError: Error | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(label: string, client: Client, hostKey: Buffer, private readonly idleMs: number,
    onClosed: (s: Session) => void) {
    this.label = label;
    this.client = client;
    this.hostKey = hostKey;
    this.onClosed = onClosed;
    client.on("error", (e: Error) => this.lost(e.message));
    client.on("close", () => this.lost("closed"));
    client.on("end", () => this.lost("ended by the server"));
    this.armIdle();
  }

  private readonly onClosed: (s: Session) => void;

  /** From here on the session takes no new channels; callers re-dial (reason "lost": nothing ran yet). */
  private lost(why: string): void {
    if (this.lostError) return;
    this.lostError = new SshConnectionError(this.label, `SSH connection to ${this.label} was lost (${why})`, "lost");
    clearTimeout(this.idleTimer);
    for (const f of this.onLost) f(this.lostError);
    this.onLost.clear();
    for (const w of this.waiting.splice(0)) w();
    this.onClosed(this);
  }

  get alive(): boolean {
    return this.lostError === undefined;
  }

  /** Called when the connection dies; returns the unsubscribe function. */
  whenLost(f: (err: Error) => void): () => void {
    if (this.lostError) {
      f(this.lostError);
      return () => undefined;
    }
    this.onLost.add(f);
    return () => this.onLost.delete(f);
  }

  /** Opens a session channel running `command`, waiting for a free slot first. */
  async open(req: ChannelRequest): Promise<ClientChannel> {
    for (;;) {
      await this.acquire();
      try {
        return await this.tryOpen(req);
      } catch (e) {
        const err = e as Error & { reason?: number };
        this.release();
        // The server refused a session although we were under our limit: it has a lower MaxSessions. Use what
        // it accepted as the limit, and wait for a channel to finish.
        if (this.alive && /open failure/i.test(err.message) && this.active > 0) {
          this.limit = Math.max(1, this.active);
          continue;
        }
        if (!this.alive) throw this.lostError;
        throw new SshConnectionError(this.label, `cannot open a channel on ${this.label}: ${err.message}`, "channel");
      }
    }
  }

  /** Marks a channel finished (once per successful open). */
  release(): void {
    this.active--;
    const next = this.waiting.shift();
    if (next) next();
    else this.armIdle();
  }

  /** Keeps the connection from idling out while something else depends on it (a tunnel through it). */
  retain(): () => void {
    this.retained++;
    clearTimeout(this.idleTimer);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.retained--;
      this.armIdle();
    };
  }

  /** Destroys the socket without closing SSH first (a simulated network cut). */
  sever(): void {
    this.client.destroy(); // ssh2's destroy() drops the socket without a disconnect message; "close" follows
  }

  close(): void {
    this.lost("closed by this process");
    this.client.end();
  }

  private acquire(): Promise<void> {
    if (this.lostError) return Promise.reject(this.lostError);
    clearTimeout(this.idleTimer);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push(() => {
        if (this.lostError) return reject(this.lostError);
        this.active++;
        resolve();
      });
    });
  }

  private tryOpen(req: ChannelRequest): Promise<ClientChannel> {
    return new Promise<ClientChannel>((resolve, reject) => {
      // No echo (the sudo password), no output processing ("\n" stays "\n").
      const opts: ExecOptions = req.pty ? { pty: { term: "dumb", modes: { ECHO: 0, OPOST: 0 } } } : {};
      const unsub = this.whenLost(reject);
      this.client.exec(req.command, opts, (err, channel) => {
        unsub();
        if (err) reject(err);
        else resolve(channel);
      });
    });
  }

  /**
   * A connection nobody uses is closed after idleMs, so that a finished program can exit (ssh2's keepalive
   * timer would otherwise hold the event loop).
   */
  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.active > 0 || this.retained > 0 || this.lostError || this.idleMs <= 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.active === 0 && this.retained === 0) this.close();
    }, this.idleMs);
    this.idleTimer.unref();
  }
}
