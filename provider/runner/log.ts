/** The runner's console output: every line goes through the redactor; long steps report progress. */
import type { Redactor } from "./secrets";

export interface RunnerLog {
  info(line: string): void;
  error(line: string): void;
  /** Runs `fn`, printing "label …" now and "… still <label> (Ns)" every `everyMs` until it settles. */
  progress<T>(label: string, fn: () => Promise<T>, everyMs?: number): Promise<T>;
}

export function consoleLog(redactor: Redactor, write: (s: string) => void = (s) => process.stdout.write(s)): RunnerLog {
  const out = (line: string) => write(redactor.redact(line) + "\n");
  return {
    info: out,
    error: (line) => out(`error: ${line}`),
    async progress(label, fn, everyMs = 10_000) {
      const started = Date.now();
      const timer = setInterval(() => out(`    … still ${label} (${Math.round((Date.now() - started) / 1000)} s)`), everyMs);
      try {
        return await fn();
      } finally {
        clearInterval(timer);
      }
    },
  };
}
