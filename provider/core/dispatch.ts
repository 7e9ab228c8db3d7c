import type * as pulumi from "@pulumi/pulumi";
import { checkInputs, parseChecked, withoutProvider, PROVIDER_KEY } from "./check";
import { containsUnknown } from "./unknown";
import { sanitizeProps } from "./sanitize";
import { parseStored } from "./stored";
import { isPartialFailure, PartialFailure } from "./errors";
import { collectSecretValues, redact } from "./secrets";
import { createLogger } from "./log";
import type { ConfigLike, ImplModule, ProviderContext, ResourceImpl } from "./impl";

/*
 * The body of every serialized provider method. makeProvider's methods only require this module and the
 * resource's impl module by package name and call in here, so all the logic lives in modules Node loads
 * normally (once per process) and nothing of it is captured by Pulumi's closure serialization.
 */

type Impl = ResourceImpl<object, object>;
type Props = Record<string, unknown>;

// Per process, like the engine's provider instances: one config per impl module.
const configs = new WeakMap<Impl, ConfigLike>();

function implOf(mod: unknown): Impl {
  const impl = (mod as Partial<ImplModule> | undefined)?.impl;
  if (!impl || typeof impl.kind !== "string" || typeof impl.create !== "function" || !impl.inputs) {
    throw new Error("xen-ha: the resource module does not export `impl` (a ResourceImpl): check its impl.ts");
  }
  return impl;
}

function contextFor(impl: Impl, props: Props, id?: string): { ctx: ProviderContext; secrets: Set<string> } {
  const secrets = collectSecretValues(props);
  let label = "";
  try {
    label = impl.describe ? impl.describe(props) : defaultLabel(props, id);
  } catch {
    label = id ?? "";
  }
  const ctx: ProviderContext = {
    log: createLogger(`${impl.kind}${label ? ` ${label}` : ""}`, secrets),
    config: configs.get(impl),
  };
  return { ctx, secrets };
}

function defaultLabel(props: Props, id?: string): string {
  const conn = props.connection as { host?: unknown } | undefined;
  return typeof conn?.host === "string" ? conn.host : (id ?? "");
}

function outputs(impl: Impl, ctx: ProviderContext, inputs: object, outs: object | undefined): Props {
  const { value, fixes } = sanitizeProps({ ...withoutProvider(inputs), ...withoutProvider(outs ?? {}) });
  for (const fix of fixes) ctx.log.warn(`output ${fix} (converted so the engine can record it; a bug in ${impl.kind})`);
  return value;
}

/**
 * Errors leave the process as text shown by the CLI: scrub credentials. A PartialFailure also gets the inputs
 * and `__provider` merged into its properties, so the engine records a resource it can later read and delete.
 */
function failure(e: unknown, impl: Impl, ctx: ProviderContext, secrets: Set<string>, inputs: Props): Error {
  if (isPartialFailure(e)) {
    const props = outputs(impl, ctx, inputs, e.properties);
    props[PROVIDER_KEY] = inputs[PROVIDER_KEY];
    const out = new PartialFailure(redact(e.message, secrets), {
      id: e.id,
      properties: props,
      reasons: e.reasons.map((r) => redact(r, secrets)),
    });
    return out;
  }
  if (e instanceof Error) {
    // The server treats ANY error with an `id` as a partial failure; an unrelated `id` field (some library's
    // error) would make the engine record a resource without outputs or `__provider`. Only PartialFailure may.
    const err = "id" in e ? Object.assign(new Error(e.message, { cause: e }), { stack: e.stack }) : e;
    err.message = redact(err.message, secrets);
    if (err.stack) err.stack = redact(err.stack, secrets);
    return err;
  }
  return new Error(redact(String(e), secrets));
}

export async function configure(mod: unknown, req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  const impl = implOf(mod);
  configs.set(impl, req.config);
  await impl.configure?.(req.config);
}

/**
 * Stored props (a `get`'s registered props, an older version's state) through the schema with its defaults.
 * A required input that is absent cannot be made up: refuse, naming it, before any host is touched.
 */
function stored(impl: Impl, props: Props, method: string, id: string): Props {
  const { value, missing } = parseStored(impl.inputs, props);
  if (missing.length > 0) {
    throw new Error(`${impl.kind} ${id}: ${method} needs ${missing.join(", ")} (missing from the resource's recorded inputs; ` +
      `a get must give them: see the resource's get() in docs/resources/)`);
  }
  return value as Props;
}

/**
 * Validation, then, when an update is pending (old inputs recorded and the pure diff against them finds a
 * change), the impl's read-only preview hook (e.g. LiveMigration's preflight), so that `pulumi preview` and
 * `up` stop with its reason. It runs here and not in Diff: the engine's refresh calls Diff after Read
 * (RefreshStep in pkg/resource/deploy/step.go) and never Check, and a refresh must not fail on host facts.
 */
export async function check(mod: unknown, olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  const impl = implOf(mod);
  const result = checkInputs(impl.inputs, news);
  const prev = withoutProvider(olds);
  if (result.failures.length > 0 || !impl.preview || Object.keys(prev).length === 0 || containsUnknown(result.inputs)) return result;
  const { ctx, secrets } = contextFor(impl, news);
  try {
    const recorded = parseStored(impl.inputs, prev).value;
    const d = impl.diff(recorded, result.inputs as object);
    if (d.changes === true || (d.replaces ?? []).length > 0) {
      await impl.preview(recorded, parseChecked(impl.inputs, result.inputs), d, ctx);
    }
  } catch (e) {
    throw failure(e, impl, ctx, secrets, news);
  }
  return result;
}

/** PURE: no host is contacted and host facts cannot fail it (it also runs during refresh; see check). */
export async function diff(mod: unknown, id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  const impl = implOf(mod);
  const { ctx, secrets } = contextFor(impl, news, id);
  try {
    const result = impl.diff(parseStored(impl.inputs, olds).value, withoutProvider(news));
    const replaces = [...(result.replaces ?? [])];
    const changes = result.changes === true || replaces.length > 0;
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && result.deleteBeforeReplace === true };
  } catch (e) {
    throw failure(e, impl, ctx, secrets, news);
  }
}

export async function create(mod: unknown, news: Props): Promise<pulumi.dynamic.CreateResult> {
  const impl = implOf(mod);
  const { ctx, secrets } = contextFor(impl, news);
  try {
    const inputs = parseChecked(impl.inputs, news);
    const result = await impl.create(inputs, ctx);
    if (!result || typeof result.id !== "string" || result.id === "") {
      throw new Error(`${impl.kind}.create returned no id`);
    }
    return { id: result.id, outs: outputs(impl, ctx, inputs, result.outs) };
  } catch (e) {
    throw failure(e, impl, ctx, secrets, news);
  }
}

export async function read(mod: unknown, id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  const impl = implOf(mod);
  const { ctx, secrets } = contextFor(impl, props, id);
  try {
    const olds = stored(impl, props, "read", id);
    const result = await impl.read(id, olds, ctx);
    // An empty id tells the engine the resource is gone (refresh then drops it from the state).
    if (result === null) return { id: "", props: {} };
    return { id: result.id || id, props: outputs(impl, ctx, olds, result.outs) };
  } catch (e) {
    throw failure(e, impl, ctx, secrets, props);
  }
}

export async function update(mod: unknown, id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
  const impl = implOf(mod);
  const { ctx, secrets } = contextFor(impl, news, id);
  try {
    const inputs = parseChecked(impl.inputs, news);
    const result = await impl.update(id, withoutProvider(olds), inputs, ctx);
    return { outs: outputs(impl, ctx, inputs, result?.outs) };
  } catch (e) {
    throw failure(e, impl, ctx, secrets, news);
  }
}

export async function remove(mod: unknown, id: string, props: Props): Promise<void> {
  const impl = implOf(mod);
  const { ctx, secrets } = contextFor(impl, props, id);
  try {
    await impl.delete(id, stored(impl, props, "delete", id), ctx);
  } catch (e) {
    throw failure(e, impl, ctx, secrets, props);
  }
}
