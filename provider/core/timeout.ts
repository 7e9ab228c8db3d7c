import { StepTimeoutError } from "./errors";

/**
 * Runs one remote step under a time limit. Pulumi ignores `customTimeouts` for dynamic providers, so every step
 * that talks to a host needs its own. `fn` gets an AbortSignal that fires at the limit: pass it on (or pass the
 * remaining time as the ssh layer's `timeoutMs`) so the work really stops instead of running on unobserved.
 */
export async function withTimeout<T>(step: string, timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new StepTimeoutError(step, timeoutMs);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([fn(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A budget for a whole operation made of several steps (e.g. a migration: preflight, migrate, verify):
 * `const d = deadline("migrate test01", 300_000); await host.run(argv, { timeoutMs: d.remaining() })`.
 */
export interface Deadline {
  /** Milliseconds left, at least 1 (so a timeout still fires instead of meaning "no limit"). */
  remaining(): number;
  /** Throws StepTimeoutError naming the operation when the budget is spent. */
  check(): void;
}

export function deadline(operation: string, budgetMs: number, now: () => number = Date.now): Deadline {
  const end = now() + budgetMs;
  return {
    remaining: () => Math.max(1, end - now()),
    check: () => {
      if (now() >= end) throw new StepTimeoutError(operation, budgetMs);
    },
  };
}
