/**
 * Running one command on a session channel: stdin with backpressure (binary-safe), output collection,
 * a timeout that kills the command, and becoming root through sudo.
 */
import { randomBytes } from "crypto";
import type { ClientChannel } from "ssh2";
import { quoteArgv } from "./quote";
import {
  type ExecOptions, type ExecResult, DEFAULT_EXEC_TIMEOUT_MS, DEFAULT_MAX_OUTPUT_BYTES, ExecOutputLimitError,
  ExecTimeoutError, SshConnectionError, tail,
} from "./remote-host";
import type { Session } from "./session";

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, SEGV: 11,
  PIPE: 13, ALRM: 14, TERM: 15, USR1: 10, USR2: 12 };

export interface SudoOptions {
  password?: string;
}

/**
 * The sudo wrapper. The inner shell prints a marker to stderr once it runs as root: before the marker, stderr
 * belongs to sudo (its prompt, its refusals), after it to the command. The command's stdin is only sent after
 * the marker, so a password can never end up in it, and a NOPASSWD sudo never eats the command's input.
 */
export function sudoArgv(argv: readonly string[], nonce: string, stdinFile?: string):
  { argv: string[]; prompt: string; marker: string } {
  const prompt = `[xen-ha sudo ${nonce}] password:`;
  const marker = `xen-ha-sudo-ok-${nonce}`;
  // With a pty (requiretty), stdin cannot carry data (the terminal would alter it): it was staged in a file.
  const inner = stdinFile === undefined
    ? ["sh", "-c", `echo ${marker} >&2; exec "$@"`, "sh", ...argv]
    : ["sh", "-c", `echo ${marker} >&2; f=$1; shift; "$@" < "$f"; rc=$?; ` +
      `[ "$f" = /dev/null ] || rm -f -- "$f"; exit $rc`, "sh", stdinFile, ...argv];
  return { argv: ["sudo", "-S", "-p", prompt, "--", ...inner], prompt, marker };
}

/** sudo refused to run without a terminal (sudoers "requiretty"). */
export function isRequireTty(sudoSaid: string): boolean {
  return /must have a tty|requiretty|no tty present/i.test(sudoSaid);
}

/** What sudo's stderr so far means for the handshake. Pure. */
export function sudoState(stderrSoFar: string, prompt: string, marker: string):
  { state: "waiting" } | { state: "prompt"; count: number } | { state: "ok"; rest: string } {
  const m = stderrSoFar.indexOf(`${marker}\n`);
  if (m !== -1) return { state: "ok", rest: stderrSoFar.slice(m + marker.length + 1) };
  const count = stderrSoFar.split(prompt).length - 1;
  return count > 0 ? { state: "prompt", count } : { state: "waiting" };
}

/**
 * The line sent to sshd. The login shell first reports its PID on stderr, then execs the command, so that PID
 * is the command's and leads its process group (sshd starts each session with setsid). A timed-out command
 * is then killed with its children by `kill -KILL -PGID`: sshd here does not act on SSH "signal" requests,
 * and closing the channel alone leaves the command running.
 */
export function commandLine(argv: readonly string[], nonce: string): { line: string; pidMarker: RegExp } {
  return {
    line: `printf 'xen-ha-pid:%s:${nonce}\\n' "$$" >&2; exec ${quoteArgv(argv)}`,
    pidMarker: new RegExp(`(^|\\n)xen-ha-pid:(\\d+):${nonce}\\n`),
  };
}

/** Finds and removes the PID line in stderr received so far. Pure. */
export function takePid(stderrSoFar: string, pidMarker: RegExp): { pid: number; rest: string } | undefined {
  const m = pidMarker.exec(stderrSoFar);
  if (!m) return undefined;
  return { pid: Number(m[2]), rest: stderrSoFar.slice(0, m.index + m[1].length) + stderrSoFar.slice(m.index + m[0].length) };
}

export interface RunMode {
  /** Run under a pseudo-terminal (for sudo with requiretty): stdout and stderr arrive merged on stdout. */
  pty?: boolean;
  /** With pty: a remote file (or /dev/null) that becomes the command's stdin. */
  stdinFile?: string;
}

export function runOnSession(
  session: Session,
  argv: readonly string[],
  opts: ExecOptions = {},
  sudo?: SudoOptions,
  mode: RunMode = {},
): Promise<ExecResult> {
  const label = session.label;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const nonce = randomBytes(8).toString("hex");
  const pty = mode.pty === true;
  const wrapped = sudo ? sudoArgv(argv, nonce, pty ? mode.stdinFile ?? "/dev/null" : undefined) : undefined;
  const { line, pidMarker } = commandLine(wrapped ? wrapped.argv : argv, nonce);
  const stdin = pty || opts.stdin === undefined ? undefined
    : Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin);

  return session.open({ command: line, pty }).then((channel) => new Promise<ExecResult>((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let pid: number | undefined;
    let beforePid = "";
    let sudoPending = wrapped !== undefined;
    let preamble = "";
    let answered = 0;
    let code: number | null = null;
    let signal: string | undefined;
    let done = false;

    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubLost();
      session.release();
      f();
    };
    const abort = (e: Error) => finish(() => {
      kill(channel);
      reject(e);
    });

    /** Fails the call and kills the command's process group on a fresh channel, so nothing keeps running. */
    const abortAndKill = (e: Error) => {
      const killedPid = pid;
      abort(e);
      if (killedPid !== undefined && session.alive) {
        void runOnSession(session, ["kill", "-KILL", "--", `-${killedPid}`], { timeoutMs: 15_000 }, sudo, { pty })
          .catch(() => undefined);
      }
    };
    const timer = setTimeout(() => abortAndKill(new ExecTimeoutError(label, argv, timeoutMs,
      Buffer.concat(err).toString("utf8"))), timeoutMs);
    const maxOutput = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    let outputBytes = 0;
    const counted = (target: Buffer[]) => (d: Buffer) => {
      outputBytes += d.length;
      if (outputBytes > maxOutput) {
        if (!done) abortAndKill(new ExecOutputLimitError(label, argv, maxOutput));
        return;
      }
      target.push(d);
    };
    const unsubLost = session.whenLost((e) => abort(new SshConnectionError(label,
      `${e.message} while running a command; it may or may not have completed`, "lost-during")));

    // The control stream carries our PID line and sudo's words before the command's own output: stderr, or
    // with a pty the merged stdout.
    const ctlOut = pty ? out : err;
    const toCommandStderr = (data: Buffer) => {
      if (!sudoPending || !wrapped) {
        if (data.length > 0) ctlOut.push(data);
        return;
      }
      preamble += data.toString("utf8");
      const s = sudoState(preamble, wrapped.prompt, wrapped.marker);
      if (s.state === "ok") {
        sudoPending = false;
        if (s.rest) ctlOut.push(Buffer.from(s.rest));
        sendStdin();
      } else if (s.state === "prompt") {
        if (sudo?.password === undefined) {
          abort(new SshConnectionError(label, `sudo on ${label} asks for a password, but connection.sudo.password ` +
            "is not set (or allow the user NOPASSWD in sudoers)", "sudo"));
        } else if (s.count > 1) {
          abort(new SshConnectionError(label, `sudo on ${label} refused connection.sudo.password`, "sudo"));
        } else if (answered < s.count) {
          answered = s.count;
          channel.write(`${sudo.password}\n`);
        }
      }
    };
    const onControl = (d: Buffer) => {
      outputBytes += d.length;
      if (outputBytes > maxOutput) {
        if (!done) abortAndKill(new ExecOutputLimitError(label, argv, maxOutput));
        return;
      }
      if (pid !== undefined) {
        toCommandStderr(d);
        return;
      }
      beforePid += d.toString("latin1"); // latin1 round-trips bytes; the marker is ASCII
      const found = takePid(beforePid, pidMarker);
      if (found) {
        pid = found.pid;
        beforePid = "";
        toCommandStderr(Buffer.from(found.rest, "latin1"));
      }
    };
    if (pty) {
      channel.on("data", onControl);
      channel.stderr.on("data", counted(err));
    } else {
      channel.on("data", counted(out));
      channel.stderr.on("data", onControl);
    }

    // The exit status comes with "close" too (ssh2 repeats it there). Rely on that: "exit" can fire before
    // this listener exists, when the whole reply arrives in one read with the channel-open confirmation.
    const noteExit = (c?: number | null, sig?: string) => {
      if (typeof c === "number") code = c;
      else if (sig) signal = sig.replace(/^SIG/, "");
    };
    channel.on("exit", noteExit);
    channel.on("close", (c?: number | null, sig?: string) => {
      noteExit(c, sig);
      if (done) return;
      if (beforePid) toCommandStderr(Buffer.from(beforePid, "latin1"));
      if (code === null && signal === undefined) {
        abort(new SshConnectionError(label, `the channel on ${label} closed without an exit status`, "lost-during"));
        return;
      }
      if (sudoPending && wrapped) {
        // sudo itself failed (not allowed, no tty, ...): its words are in the preamble.
        const said = tail(preamble.split(wrapped.prompt).join("").trim());
        abort(new SshConnectionError(label, `sudo on ${label} failed before running the command: ${said}`,
          isRequireTty(said) && !pty ? "sudo-tty" : "sudo"));
        return;
      }
      finish(() => resolve({
        code: code ?? 128 + (SIGNALS[signal as string] ?? 0),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ...(signal ? { signal } : {}),
      }));
    });
    // A command that exits without reading all of its stdin makes our writes fail; its exit status tells.
    channel.on("error", () => undefined);

    const sendStdin = () => {
      if (pty) return; // a terminal has no end of input; the command reads stdinFile instead
      if (stdin === undefined) {
        channel.end();
        return;
      }
      writeAll(channel, stdin).then(() => channel.end(), () => undefined);
    };
    if (!sudoPending) sendStdin();
  }));
}

/** Writes a buffer in chunks, honouring backpressure so that large inputs do not pile up in memory. */
function writeAll(channel: ClientChannel, data: Buffer): Promise<void> {
  const CHUNK = 64 * 1024;
  let pos = 0;
  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (pos < data.length) {
        if (channel.destroyed || !channel.writable) return reject(new Error("channel closed"));
        const chunk = data.subarray(pos, pos + CHUNK);
        pos += chunk.length;
        if (!channel.write(chunk)) {
          channel.once("drain", pump);
          return;
        }
      }
      resolve();
    };
    pump();
  });
}

/** Stops a channel: a KILL signal for servers that honour it, then the channel is closed. */
export function kill(channel: ClientChannel): void {
  try {
    channel.signal("KILL");
  } catch {
    // a closed channel
  }
  try {
    channel.close();
  } catch {
    // already closed
  }
}
