import { redact } from "./secrets";

/**
 * Progress messages from inside a provider. The provider runs in its own process (the dynamic-provider server),
 * where the SDK's `pulumi.log` has no engine connection and falls back to the console; the engine forwards that
 * process's output to the CLI (since 3.146). So we write to stderr ourselves, one prefixed line per message
 * (stdout's first line is the server's port, so we leave stdout alone), with credentials scrubbed.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Only shown with XENHA_DEBUG=1 (or PULUMI_DEBUG_PROVIDERS set). */
  debug(message: string): void;
}

export type LogSink = (line: string) => void;

const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

export function createLogger(prefix: string, secrets: ReadonlySet<string> = new Set(), sink: LogSink = stderrSink): Logger {
  const debugOn = process.env.XENHA_DEBUG === "1" || !!process.env.PULUMI_DEBUG_PROVIDERS;
  const emit = (level: string, message: string): void => {
    for (const line of redact(message, secrets).split(/\r?\n/)) sink(`[xen-ha] ${level}${prefix}: ${line}`);
  };
  return {
    info: (m) => emit("", m),
    warn: (m) => emit("warning: ", m),
    debug: (m) => {
      if (debugOn) emit("debug: ", m);
    },
  };
}
