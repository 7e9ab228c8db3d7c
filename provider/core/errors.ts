/**
 * Thrown from create or update when the host WAS changed and then a later step failed. The dynamic-provider
 * server turns an error with an `id` into ErrorResourceInitFailed, and the engine then records the resource
 * with that id and these properties (its outputs) instead of forgetting it, so the next `up` diffs against what
 * is really there and `destroy` can clean it up. A plain throw from create loses track of what was changed.
 *
 * Resources pass their outputs as they stand after the failure; the framework adds the inputs and `__provider`
 * (without it the engine could never call read or delete on the recorded resource) and sanitizes them.
 */
export class PartialFailure extends Error {
  readonly id: string;
  properties: Record<string, unknown>;
  readonly reasons: string[];

  constructor(message: string, opts: { id: string; properties: Record<string, unknown>; reasons?: string[]; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "PartialFailure";
    if (!opts.id) throw new Error(`PartialFailure needs the resource id (while reporting: ${message})`);
    this.id = opts.id;
    this.properties = opts.properties;
    this.reasons = opts.reasons ?? [message];
  }

  /** Wraps the error of a failed step: `throw PartialFailure.after(err, id, outs, "mounted, fstab not written")`. */
  static after(cause: unknown, id: string, properties: Record<string, unknown>, whatIsLeft: string): PartialFailure {
    const why = cause instanceof Error ? cause.message : String(cause);
    return new PartialFailure(`${why} (${whatIsLeft})`, { id, properties, reasons: [why, whatIsLeft], cause });
  }
}

export function isPartialFailure(e: unknown): e is PartialFailure {
  // Checked by shape too: the class may come from another copy of the module (jest vs. dist).
  return e instanceof PartialFailure || (e instanceof Error && e.name === "PartialFailure" && typeof (e as { id?: unknown }).id === "string");
}

/** Thrown by withTimeout when a remote step overruns; the message names the step and the limit. */
export class StepTimeoutError extends Error {
  constructor(readonly step: string, readonly timeoutMs: number) {
    super(`${step}: no result after ${formatMs(timeoutMs)} (timed out)`);
    this.name = "StepTimeoutError";
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

/**
 * A plan's refusals as one Error, or null when the plan has none. Every resource refuses with the same words in
 * preview, up and delete, so an operator who saw the preview recognises the failure; `scope` names the resource
 * and `outcome` says what the refusal left on the host.
 */
export function planRefusal(plan: { readonly errors: readonly string[] }, opts: { scope?: string; outcome?: string } = {}): Error | null {
  if (plan.errors.length === 0) return null;
  const text = plan.errors.join("; ");
  return new Error(`${opts.scope ? `${opts.scope}: ` : ""}${text}${opts.outcome ? ` (${opts.outcome})` : ""}`);
}

/** Throws the plan's refusals (see planRefusal). */
export function refuseOnPlanErrors(plan: { readonly errors: readonly string[] }, opts: { scope?: string; outcome?: string } = {}): void {
  const e = planRefusal(plan, opts);
  if (e) throw e;
}
