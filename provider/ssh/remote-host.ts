/** What the layers above see of a host: exec with argv, never a shell line built from user input. */
import type { Readable, Writable } from "stream";

export interface ExecOptions {
  /** Sent on the command's stdin, then EOF. Buffers are sent byte for byte. */
  stdin?: string | Buffer;
  /** Kills the command (and fails the call) after this long. Default DEFAULT_EXEC_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Kills the command (and fails the call) when stdout and stderr together exceed this. Default 256 MiB. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  /** Exit status; 128 + signal number when the command was killed by a signal, as a shell reports it. */
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the command was killed by a signal ("KILL", "TERM", ...). */
  signal?: string;
}

/** A command left running (used for locks held across several calls). */
export interface RemoteProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles when the command ends or the connection drops (rejects then). */
  readonly done: Promise<ExecResult>;
  /** Ends the command: closes stdin and the channel. */
  kill(): void;
}

export interface RemoteHost {
  /** "root@198.18.0.10:22" */
  readonly label: string;
  /** Runs argv (each word quoted). Resolves with any exit code; rejects on timeout or a lost connection. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit code rejects with ExecError. */
  run(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Runs `sh -c BODY sh ARGS...`: BODY is a constant script of ours; user values only go in ARGS. Like exec. */
  script(body: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Starts argv as the connection user (never through sudo) and returns at once; no timeout. Optional so
   * that test doubles need not provide it.
   */
  spawn?(argv: readonly string[]): Promise<RemoteProcess>;
}

export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

const TAIL_CHARS = 2000;

/** A command as shown in messages: long words (scripts, file contents) cut short. */
export function describeCommand(argv: readonly string[]): string {
  return argv
    .map((w) => {
      const one = w.length > 160 ? `${w.slice(0, 150)}…(${w.length} chars)` : w;
      return /^[A-Za-z0-9_@%+=:,./-]+$/.test(one) ? one : JSON.stringify(one);
    })
    .join(" ");
}

export function tail(text: string, max = TAIL_CHARS): string {
  const t = text.trimEnd();
  return t.length > max ? `…${t.slice(t.length - max)}` : t;
}

/** A command exited non-zero. */
export class ExecError extends Error {
  readonly host: string;
  readonly command: string;
  readonly code: number;
  readonly stderrTail: string;
  readonly stdout: string;
  readonly stderr: string;
  constructor(host: string, argv: readonly string[], result: ExecResult) {
    const command = describeCommand(argv);
    const stderrTail = tail(result.stderr);
    const how = result.signal ? `killed by SIG${result.signal}` : `exit code ${result.code}`;
    super(`command failed on ${host} with ${how}: ${command}${stderrTail ? `\nstderr: ${stderrTail}` : " (no stderr)"}`);
    this.name = "ExecError";
    this.host = host;
    this.command = command;
    this.code = result.code;
    this.stderrTail = stderrTail;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
  }
}

/** A command did not finish within its timeout and was killed. */
export class ExecTimeoutError extends Error {
  readonly host: string;
  readonly command: string;
  readonly timeoutMs: number;
  readonly stderrTail: string;
  constructor(host: string, argv: readonly string[], timeoutMs: number, stderr: string) {
    const command = describeCommand(argv);
    const stderrTail = tail(stderr);
    super(`command timed out after ${timeoutMs / 1000} s on ${host} and was killed: ${command}` +
      (stderrTail ? `\nstderr so far: ${stderrTail}` : ""));
    this.name = "ExecTimeoutError";
    this.host = host;
    this.command = command;
    this.timeoutMs = timeoutMs;
    this.stderrTail = stderrTail;
  }
}

/** A command produced more output than the caller allowed and was killed (protects the provider's memory). */
export class ExecOutputLimitError extends Error {
  readonly host: string;
  readonly command: string;
  constructor(host: string, argv: readonly string[], limit: number) {
    const command = describeCommand(argv);
    super(`command output on ${host} exceeded ${limit} bytes (maxOutputBytes) and the command was killed: ${command}`);
    this.name = "ExecOutputLimitError";
    this.host = host;
    this.command = command;
  }
}

/** The SSH connection could not be made or was lost; the message says which and why. */
export class SshConnectionError extends Error {
  readonly host: string;
  readonly reason: string;
  constructor(host: string, message: string, reason = "connect") {
    super(message);
    this.name = "SshConnectionError";
    this.host = host;
    this.reason = reason;
  }
}
