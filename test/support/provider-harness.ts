/**
 * Drives dynamic providers through Pulumi's REAL dynamic-provider gRPC server, the way the engine does:
 * the provider object is serialized with the SDK's closure serializer, the server runs as a child process
 * (Node from node_modules) in a folder laid out like a user's program (provider-package.ts), Configure comes
 * first, then Check/Diff/Create/Update/Read/Delete with google.protobuf.Struct properties and `__provider`.
 * The gRPC client itself is the offline runner's (provider/runner/provider-client.ts); this file adds what
 * tests need on top: the program-like folder, serialization, engine-like state, lifecycles, readable errors.
 *
 *   const server = await ProviderServer.start();            // one per test file (beforeAll), server.stop() after
 *   const res = server.resource(myProvider);                // engine-like state for one resource
 *   const up = await res.up({ connection, path: "/srv" });  // check → create (or diff → update/replace)
 *   await res.refresh(); await res.destroy();
 *
 * Not emulated (test these rules in your own code): secret annotation, ignoreChanges, dependencies between
 * resources, the state file.
 */
import * as pulumi from "@pulumi/pulumi";
import * as client from "../../provider/runner/provider-client";
import { buildProviderPackage, type PackageOptions, type ProviderPackage } from "./provider-package";

const PROVIDER_KEY = "__provider";
/** The dynamic-provider server ignores URNs; the engine always sends one, so we do too. */
const URN = "urn:pulumi:test::xen-ha-test::pulumi-nodejs:dynamic:Resource::harness";

export type Props = client.Props;
export type ProviderRef = pulumi.dynamic.ResourceProvider | string;
export type CheckFailure = client.CheckFailure;
export type CheckOutcome = client.CheckResult;
/** changes "unknown" means the provider left `changes` unset (the engine then compares inputs itself). */
export type DiffOutcome = client.DiffResult;
/** What the engine records after a partial failure. */
export type PartialFailureDetail = NonNullable<client.ProviderError["initFailed"]>;

/** A failed call, as the engine would see it; the message ends with what the provider process printed meanwhile. */
export class ProviderCallError extends Error {
  constructor(
    readonly method: string,
    /** The error message the engine shows (the gRPC status details; the code is always 2, UNKNOWN). */
    readonly details: string,
    readonly partial: PartialFailureDetail | undefined,
    readonly output: string[],
  ) {
    super(
      `${method} failed: ${details}` +
        (partial ? `\n  partial failure recorded by the engine: id=${partial.id}, reasons=${JSON.stringify(partial.reasons)}` : "") +
        (output.length ? `\n  provider process output:\n    ${output.slice(-30).join("\n    ")}` : ""),
    );
    this.name = "ProviderCallError";
  }
}

/** `check` reported failures: the engine stops before create/update and shows each property and reason. */
export class CheckFailedError extends Error {
  constructor(readonly failures: CheckFailure[]) {
    super(`check failed:\n  ${failures.map((f) => `${f.property || "(inputs)"}: ${f.reason}`).join("\n  ")}`);
    this.name = "CheckFailedError";
  }
}

export interface StartOptions extends PackageOptions {
  /** Stack config sent with Configure, keys as the engine sends them ("project:key"). */
  config?: Record<string, string>;
  project?: string;
  env?: Record<string, string>;
}

export class ProviderServer {
  private readonly texts = new WeakMap<object, Promise<string>>();

  private constructor(
    private readonly rpc: client.ProviderServer,
    readonly pkg: ProviderPackage,
    /** Every line the provider process printed after its port (stdout and stderr), in order. */
    readonly output: string[],
  ) {}

  /**
   * Starts the server in a folder laid out like a program's (see provider-package.ts; `source` says where
   * pulumi-xen-ha comes from: dist/ when up to date, else the sources transpiled) and sends Configure.
   * The gRPC client is the offline runner's (provider/runner/provider-client.ts): one client for both.
   */
  static async start(opts: StartOptions = {}): Promise<ProviderServer> {
    // The server runs on the Node that runs the tests (process.execPath); @pulumi/pulumi 3.270 needs 22+.
    if (Number(process.versions.node.split(".")[0]) < 22) {
      throw new Error(`Node ${process.version} is too old for the provider server: run tests through npm scripts or npx (Node 24 from node_modules)`);
    }
    const pkg = buildProviderPackage({ source: opts.source, freshFolders: opts.freshFolders });
    const output: string[] = [];
    try {
      const rpc = await client.ProviderServer.start({
        cwd: pkg.dir,
        project: opts.project ?? "xen-ha-test",
        stack: "test",
        config: opts.config ?? {},
        env: opts.env,
        onLog: (line) => output.push(line),
      });
      return new ProviderServer(rpc, pkg, output);
    } catch (e) {
      pkg.remove();
      throw new Error(`dynamic-provider server did not start (${pkg.note}): ${e instanceof Error ? e.message : String(e)}\n${output.join("\n")}`);
    }
  }

  /** The `__provider` text the engine would get for this provider object (serialized once per object). */
  serialize(provider: ProviderRef): Promise<string> {
    if (typeof provider === "string") return Promise.resolve(provider);
    let text = this.texts.get(provider);
    if (!text) {
      text = pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true }).then((sf) => sf.text);
      this.texts.set(provider, text);
    }
    return text;
  }

  /** olds: the recorded (checked) inputs, {} on create. news: the program's inputs; `__provider` is added. */
  async check(provider: ProviderRef, olds: Props, news: Props): Promise<CheckOutcome> {
    const text = await this.serialize(provider);
    return this.call("Check", () => this.rpc.check(URN, plain(olds), plain({ ...news, [PROVIDER_KEY]: text })));
  }

  /** olds: the recorded OUTPUTS; news: checked inputs (they carry `__provider` from check). */
  diff(id: string, olds: Props, news: Props, oldInputs: Props = {}): Promise<DiffOutcome> {
    return this.call("Diff", () => this.rpc.diff(URN, id, plain(olds), plain(news), plain(oldInputs)));
  }

  create(inputs: Props): Promise<{ id: string; outputs: Props }> {
    return this.call("Create", () => this.rpc.create(URN, plain(inputs)));
  }

  /** Refresh: `outputs` are the recorded outputs. An empty id in the result means the resource is gone. */
  async read(id: string, outputs: Props, inputs: Props = {}): Promise<{ id: string; outputs: Props; inputs?: Props }> {
    const r = await this.call("Read", () => this.rpc.read(URN, id, plain(outputs), plain(inputs)));
    return { id: r.id, outputs: r.outputs, ...(r.inputs ? { inputs: r.inputs } : {}) };
  }

  refresh(id: string, inputs: Props, outputs: Props): Promise<client.RefreshResult> {
    return this.call("Read, Diff (refresh)", () => this.rpc.refresh(URN, id, plain(inputs), plain(outputs)));
  }

  async update(id: string, olds: Props, news: Props, oldInputs: Props = {}): Promise<{ outputs: Props }> {
    return { outputs: await this.call("Update", () => this.rpc.update(URN, id, plain(olds), plain(news), plain(oldInputs))) };
  }

  delete(id: string, outputs: Props, oldInputs: Props = {}): Promise<void> {
    return this.call("Delete", () => this.rpc.delete(URN, id, plain(outputs), plain(oldInputs)));
  }

  /**
   * Engine-like state for one resource managed by `provider` (see EngineResource). Pass `state` to continue
   * from what an earlier run recorded (e.g. state written by an older provider version).
   */
  resource(provider: ProviderRef, state?: EngineState): EngineResource {
    const res = new EngineResource(this, provider);
    res.state = state;
    return res;
  }

  /**
   * Output lines printed since `mark` (a value of `output.length` taken earlier). The process's output travels
   * through pipes and may arrive after the call's response, so this waits until it has been quiet for 100 ms.
   */
  async outputSince(mark: number): Promise<string[]> {
    let seen = -1;
    while (seen !== this.output.length) {
      seen = this.output.length;
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.output.slice(mark);
  }

  /** Stops the process the way the engine does (SIGINT, then SIGKILL after 5 s) and removes its folder. */
  async stop(): Promise<void> {
    try {
      await this.rpc.stop();
    } finally {
      this.pkg.remove();
    }
  }

  private async call<T>(method: string, invoke: () => Promise<T>): Promise<T> {
    const mark = this.output.length;
    try {
      return await invoke();
    } catch (e) {
      // Give the process a moment to flush what it printed about the error.
      const printed = await this.outputSince(mark);
      if (e instanceof client.ProviderError) throw new ProviderCallError(method, e.message, e.initFailed, printed);
      throw new ProviderCallError(method, e instanceof Error ? e.message : String(e), undefined, printed);
    }
  }
}

/** The engine never sends undefined (the SDK drops it); a JSON round trip does the same. */
function plain(props: Props): Props {
  return JSON.parse(JSON.stringify(props ?? {}));
}

/**
 * One server for the whole test file (started in beforeAll, stopped in afterAll):
 *   const server = useProviderServer();   ...   await server().resource(p).up(...)
 */
export function useProviderServer(opts: StartOptions = {}): () => ProviderServer {
  let server: ProviderServer | undefined;
  beforeAll(async () => {
    server = await ProviderServer.start(opts);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("the provider server is not started yet (use it inside tests, not at module level)");
    return server;
  };
}

/** What the engine records for a resource after a step. */
export interface EngineState {
  id: string;
  /** The checked inputs (with `__provider`). */
  inputs: Props;
  /** The outputs (with `__provider`): what `resource.x` resolves to and what read/delete receive. */
  outputs: Props;
}

export type UpOperation = "create" | "update" | "replace" | "same";

export interface UpResult {
  op: UpOperation;
  check: CheckOutcome;
  /** Absent on create. */
  diff?: DiffOutcome;
  state: EngineState;
}

export interface PreviewResult {
  op: UpOperation;
  check: CheckOutcome;
  diff?: DiffOutcome;
}

/**
 * One resource as the engine tracks it across operations. Each method performs the RPC sequence of a
 * `pulumi up`/`preview`/`refresh`/`destroy` for this resource and updates `state` as the engine would,
 * including after a partial failure (the state then holds the properties the provider reported).
 */
export class EngineResource {
  state: EngineState | undefined;

  constructor(
    readonly server: ProviderServer,
    readonly provider: ProviderRef,
  ) {}

  /** `pulumi preview`: check and diff only. Throws CheckFailedError when check reports failures. */
  async preview(inputs: Props): Promise<PreviewResult> {
    const check = await this.server.check(this.provider, this.state?.inputs ?? {}, inputs);
    if (check.failures.length) throw new CheckFailedError(check.failures);
    if (!this.state) return { op: "create", check };
    const diff = await this.server.diff(this.state.id, this.state.outputs, check.inputs, this.state.inputs);
    return { op: opFor(diff), check, diff };
  }

  /** `pulumi up` for this resource. */
  async up(inputs: Props): Promise<UpResult> {
    const check = await this.server.check(this.provider, this.state?.inputs ?? {}, inputs);
    if (check.failures.length) throw new CheckFailedError(check.failures);
    if (!this.state) {
      await this.createFrom(check.inputs);
      return { op: "create", check, state: this.state! };
    }
    const old = this.state;
    const diff = await this.server.diff(old.id, old.outputs, check.inputs, old.inputs);
    const op = opFor(diff);
    if (op === "update") {
      try {
        const { outputs } = await this.server.update(old.id, old.outputs, check.inputs, old.inputs);
        this.state = { id: old.id, inputs: check.inputs, outputs };
      } catch (e) {
        // A partial failure replaces the outputs; any other failure leaves the old state as it was.
        if (e instanceof ProviderCallError && e.partial) this.state = { id: e.partial.id, inputs: check.inputs, outputs: e.partial.properties };
        throw e;
      }
    } else if (op === "replace") {
      if (diff.deleteBeforeReplace) {
        await this.server.delete(old.id, old.outputs, old.inputs);
        this.state = undefined;
        await this.createFrom(check.inputs);
      } else {
        await this.createFrom(check.inputs);
        await this.server.delete(old.id, old.outputs, old.inputs);
      }
    }
    return { op, check, diff, state: this.state! };
  }

  /**
   * `pulumi refresh`, as the engine's RefreshStep (pkg/resource/deploy/step.go) does it: Read(id, old inputs,
   * old outputs), then the provider's Diff of the refreshed outputs against the old inputs to decide what to
   * show (an error there fails the refresh). A gone resource leaves the state. Returns the new state
   * (undefined when gone); `lastRefreshDiff` keeps what Diff said.
   */
  async refresh(): Promise<EngineState | undefined> {
    if (!this.state) throw new Error("refresh: nothing recorded");
    const { id, inputs, outputs, diff } = await this.server.refresh(this.state.id, this.state.inputs, this.state.outputs);
    if (id === "") {
      this.state = undefined;
      return undefined;
    }
    this.lastRefreshDiff = diff;
    this.state = { id, inputs, outputs };
    return this.state;
  }

  lastRefreshDiff: DiffOutcome | undefined;

  /**
   * `new X(name, props, { id })` / `X.get(...)`: the engine's ReadStep sends Read with inputs = state = the
   * props the program registered (with `__provider`) and never calls Check, so no defaults are filled in.
   */
  async get(id: string, props: Props): Promise<EngineState | undefined> {
    const registered = { ...props, [PROVIDER_KEY]: await this.server.serialize(this.provider) };
    const r = await this.server.read(id, registered, registered);
    this.state = r.id === "" ? undefined : { id: r.id, inputs: r.inputs ?? registered, outputs: r.outputs };
    return this.state;
  }

  /** `pulumi destroy` for this resource (runs the provider code recorded in the outputs). */
  async destroy(): Promise<void> {
    if (!this.state) return;
    await this.server.delete(this.state.id, this.state.outputs, this.state.inputs);
    this.state = undefined;
  }

  private async createFrom(inputs: Props): Promise<void> {
    try {
      const { id, outputs } = await this.server.create(inputs);
      this.state = { id, inputs, outputs };
    } catch (e) {
      if (e instanceof ProviderCallError && e.partial) this.state = { id: e.partial.id, inputs, outputs: e.partial.properties };
      throw e;
    }
  }
}

function opFor(diff: DiffOutcome): UpOperation {
  if (diff.replaces.length > 0) return "replace";
  // DIFF_UNKNOWN makes the engine compare inputs itself; `__provider` text differs after any code edit, so
  // treat it as an update, which is what a user would see.
  return diff.changes === "none" ? "same" : "update";
}

export interface LifecycleSpec {
  /** Inputs of the first `up`. */
  create: Props;
  /** Inputs of the second `up` (skipped when absent). */
  update?: Props;
  /** Called after each step with the resource (e.g. to look at the host); a throw fails the lifecycle. */
  after?: (step: LifecycleStep, resource: EngineResource) => Promise<void>;
  /** Keep the resource at the end instead of deleting it (the caller then destroys it). */
  keep?: boolean;
  /**
   * A second `up` with the same inputs must change nothing (idempotence); the lifecycle fails when its diff
   * says otherwise, unless this is false (then the second up runs whatever the diff asks for).
   */
  requireNoop?: boolean;
}

export type LifecycleStep = "create" | "noop" | "read" | "update" | "readAfterUpdate" | "delete";

/** What the engine recorded at each step of create → same again → refresh → update → refresh → delete. */
export interface LifecycleRecord {
  create: UpResult;
  /** A second `up` with the same inputs: must be "same" (no changes). */
  noop: UpResult;
  read: EngineState | undefined;
  update?: UpResult;
  readAfterUpdate?: EngineState | undefined;
  deleted: boolean;
}

/**
 * The whole life of one resource against real hosts. On failure it still destroys what was created (so the lab
 * stays clean), then rethrows with the failing step named.
 */
export async function runLifecycle(server: ProviderServer, provider: ProviderRef, spec: LifecycleSpec): Promise<LifecycleRecord> {
  const res = server.resource(provider);
  let step: LifecycleStep = "create";
  const record: Partial<LifecycleRecord> = { deleted: false };
  const after = async (s: LifecycleStep): Promise<void> => {
    if (spec.after) await spec.after(s, res);
  };
  try {
    record.create = await res.up(spec.create);
    await after(step);
    step = "noop";
    if (spec.requireNoop !== false) {
      const again = await res.preview(spec.create);
      if (again.op !== "same") {
        throw new Error(`a second up with the same inputs would ${again.op} (diff: ${JSON.stringify(again.diff)}): the resource is not idempotent`);
      }
    }
    record.noop = await res.up(spec.create);
    await after(step);
    step = "read";
    record.read = await res.refresh();
    await after(step);
    if (spec.update) {
      step = "update";
      record.update = await res.up(spec.update);
      await after(step);
      step = "readAfterUpdate";
      record.readAfterUpdate = await res.refresh();
      await after(step);
    }
    if (!spec.keep) {
      step = "delete";
      await res.destroy();
      record.deleted = true;
      await after(step);
    }
    return record as LifecycleRecord;
  } catch (e) {
    if (res.state && step !== "delete") {
      await res.destroy().catch((cleanup: unknown) => {
        if (e instanceof Error) e.message += `\n  (cleanup delete also failed: ${cleanup instanceof Error ? cleanup.message : String(cleanup)})`;
      });
    }
    if (e instanceof Error) e.message = `lifecycle step "${step}": ${e.message}`;
    throw e;
  }
}
