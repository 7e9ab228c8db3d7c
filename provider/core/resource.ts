import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { holdsCredential } from "./secrets";

/** A value any part of which may come from another resource: pulumi.Input all the way down. */
export type DeepInput<T> = pulumi.Input<DeepInputParts<T>>;
// Distributes over unions INSIDE the one Input, so `boolean | undefined` accepts a Promise<boolean>.
type DeepInputParts<T> = T extends readonly (infer U)[]
  ? DeepInput<U>[]
  : T extends object
    ? { [K in keyof T]: DeepInput<T[K]> }
    : T;

/**
 * The args type of a resource class, derived from its zod input schema (what users write: defaults optional),
 * so the class cannot drift from the schema: `constructor(name: string, args: ArgsOf<typeof motdInputs>, ...)`.
 */
export type ArgsOf<S extends z.ZodType> = { [K in keyof z.input<S>]: DeepInput<z.input<S>[K]> };

/**
 * `true` when the names `L` cover every key of a resource's outputs type `O`, else the names left out. An output
 * left out of XenHaResourceSpec.outputs is invisible on the resource, so each class checks its list at compile
 * time: `const allDeclared: AllOutputsDeclared<MotdOutputs, typeof OUTPUTS> = true;` fails naming what is missing.
 */
export type AllOutputsDeclared<O, L extends readonly string[]> =
  [Exclude<keyof O, L[number]>] extends [never] ? true : Exclude<keyof O, L[number]>;

/** The `module` part of every type token: `pulumi-nodejs:dynamic/xen-ha:<Kind>`. */
export const TYPE_MODULE = "xen-ha";

export interface XenHaResourceSpec {
  /** Type name, e.g. "NfsExport" (the same as the impl's kind). */
  kind: string;
  /** The class's one provider, made at module level with makeProvider("<folder>"). */
  provider: pulumi.dynamic.ResourceProvider;
  /** EVERY output property name (the inputs, which outputs echo, and what the resource observes). */
  outputs: readonly string[];
  /**
   * Top-level properties holding credentials (passwords, private keys). They are made secret as inputs, so the
   * state stores them encrypted, and listed in additionalSecretOutputs, so the echoed outputs are secret too.
   * Default: ["connection"]. Any OTHER property found to hold a credential field (password, privateKey,
   * privateKeyPassword, at any depth, once its value is known) is made secret as well, as a safety net.
   */
  secretProperties?: readonly string[];
}

/**
 * Base class of every xen-ha resource. It takes care of dynamic.Resource's traps:
 * - it copies `props` (dynamic.Resource writes `__provider` and output placeholders into the object it gets, so
 *   one args object reused for two resources would break the second);
 * - it declares every output (as undefined) so that all outputs are visible on the resource;
 * - it sets the type token `pulumi-nodejs:dynamic/xen-ha:<Kind>`;
 * - it marks credential-holding properties secret in inputs and outputs (the provider receives plaintext and
 *   returns plaintext; only this keeps keys out of the state file in clear).
 *
 * Subclasses declare outputs with `declare readonly x: pulumi.Output<T>` (NOT `readonly x!: ...`: with
 * ES2022 class fields a plain field declaration is initialised to undefined AFTER super() and hides the output).
 */
export abstract class XenHaResource extends pulumi.dynamic.Resource {
  protected constructor(spec: XenHaResourceSpec, name: string, props: object, opts?: pulumi.CustomResourceOptions) {
    const inputs: Record<string, unknown> = { ...(props as Record<string, unknown>) };
    for (const key of spec.outputs) if (!(key in inputs)) inputs[key] = undefined;
    const secretNames = (spec.secretProperties ?? ["connection"]).filter((k) => inputs[k] !== undefined);
    for (const key of Object.keys(inputs)) {
      const value = inputs[key];
      if (value === undefined) continue;
      if (secretNames.includes(key)) {
        inputs[key] = pulumi.secret(value as pulumi.Input<unknown>);
        continue;
      }
      const holds = holdsCredential(value, (v) => pulumi.Output.isInstance(v) || v instanceof Promise);
      if (holds === true) inputs[key] = pulumi.secret(value as pulumi.Input<unknown>);
      // Known only later: an input that is secret makes the engine mark the output of the same name secret.
      else if (holds === "unresolved") {
        inputs[key] = pulumi.output(value).apply((v) => (holdsCredential(v) === true ? pulumi.secret(v) : v));
      }
    }
    const additionalSecretOutputs = [...new Set([...(opts?.additionalSecretOutputs ?? []), ...secretNames])];
    super(spec.provider, name, inputs, { ...opts, additionalSecretOutputs }, TYPE_MODULE, spec.kind);
  }
}
