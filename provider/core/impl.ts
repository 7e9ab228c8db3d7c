import type { z } from "zod";
import type { DiffResult } from "./diff";
import type { Logger } from "./log";

/** The stack configuration handed to `configure` (the SDK's dynamic.Config: `get("project:key")` or `get("key")`). */
export interface ConfigLike {
  get(key: string): string | undefined;
}

/** What the framework hands every resource method besides its data. */
export interface ProviderContext {
  /** Progress and warnings, shown by the CLI; credentials from the inputs are scrubbed. */
  log: Logger;
  /** The stack config from `configure`, when the engine sent one. */
  config: ConfigLike | undefined;
}

/** Outputs a method returns: everything the resource observed; input fields may be left out (they are merged in). */
export type Outs<I, O> = Omit<O, keyof I> & Partial<O>;

/**
 * One resource's behaviour, in `provider/resources/<name>/impl.ts` as `export const impl: ResourceImpl<I, O>`.
 * The generic provider (makeProvider) loads it by package name at call time and does the Pulumi plumbing:
 * validation failures, `__provider`, merging inputs into outputs, sanitizing, partial failures, secrets in logs.
 *
 * Outputs always echo every input (the framework merges the checked inputs under what a method returns), so
 * `olds` in diff/read/update/delete hold the previous inputs plus whatever the resource observed.
 */
export interface ResourceImpl<I extends object, O extends object = I> {
  /** The type name, as in the type token `pulumi-nodejs:dynamic/xen-ha:<kind>`: e.g. "NfsExport". */
  readonly kind: string;
  /**
   * The inputs' single source of truth: types, defaults, validation and messages naming the field. Must be
   * idempotent (its output parses to itself): the parsed value is what the engine stores as the checked inputs.
   * Object keys outside the schema are stripped (z.object) or reported (z.strictObject); `__provider` is
   * removed before parsing either way.
   */
  readonly inputs: z.ZodType<I>;
  /** A short label for log lines and errors, e.g. the host and path. Default: connection.host. */
  describe?(props: Partial<I>): string;
  /**
   * PURE: no I/O. Compare the previous outputs with the new checked inputs (use diffFields). In preview any
   * field of `news` may be the unknown marker (see unknown.ts); diffFields counts it as a change.
   */
  diff(olds: O, news: I): DiffResult;
  /**
   * Optional read-only look at the hosts when an update is pending (run from check, in preview AND up, e.g.
   * migration preflight; `olds` are the recorded INPUTS there, which is all check gets). It may throw to stop
   * the operation with a reason; it must change nothing. Not called on create, nor when news hold unknowns,
   * nor during refresh (the engine's refresh runs Read and Diff only).
   */
  preview?(olds: O, news: I, diff: DiffResult, ctx: ProviderContext): Promise<void>;
  /**
   * Observe the real state. `null` means the thing is gone (the engine then drops the resource). `olds` went
   * through the input schema (defaults filled in): a `get` sends only what the program registered.
   */
  read(id: string, olds: O, ctx: ProviderContext): Promise<{ id?: string; outs: Partial<O> } | null>;
  /** Converge from nothing. Throw PartialFailure once the host was changed and a later step fails. */
  create(inputs: I, ctx: ProviderContext): Promise<{ id: string; outs: Outs<I, O> }>;
  /** Converge an existing resource (olds are its previous outputs). Same failure rule as create. */
  update(id: string, olds: O, news: I, ctx: ProviderContext): Promise<{ outs: Outs<I, O> }>;
  /** Remove what create/update put in place. Runs the code stored with the resource's outputs (old code). */
  delete(id: string, olds: O, ctx: ProviderContext): Promise<void>;
  /** Optional: receives the stack config once per provider process. */
  configure?(config: ConfigLike): Promise<void>;
}

/** What an impl module exports: `export const impl = defineResource({...})`. */
export interface ImplModule {
  impl: ResourceImpl<object, object>;
}

/** Identity helper that fixes the type parameters from the schema: `export const impl = defineResource<I, O>({...})`. */
export function defineResource<I extends object, O extends object = I>(impl: ResourceImpl<I, O>): ResourceImpl<I, O> {
  return impl;
}
