/**
 * Drives dynamic providers through Pulumi's REAL dynamic-provider gRPC server, the way the engine does:
 * the provider object is serialized with the SDK's closure serializer, the server runs as a child process
 * (Node from node_modules) in a folder laid out like a user's program (provider-package.ts), Configure comes
 * first, then Check/Diff/Create/Update/Read/Delete with google.protobuf.Struct properties and `__provider`.
 *
 *   const server = await ProviderServer.start();            // one per test file (beforeAll), server.stop() after
 *   const res = server.resource(myProvider);                // engine-like state for one resource
 *   const up = await res.up({ connection, path: "/srv" });  // check → create (or diff → update/replace)
 *   await res.refresh(); await res.destroy();
 *
 * Not emulated (test these rules in your own code): secret annotation, ignoreChanges, dependencies between
 * resources, the state file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as grpcTypes from "@grpc/grpc-js";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { buildProviderPackage, REPO_ROOT, type PackageOptions, type ProviderPackage } from "./provider-package";

// The same @grpc/grpc-js that @pulumi/pulumi loads (the generated client is bound to it).
const PULUMI_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const grpc: typeof grpcTypes = require(require.resolve("@grpc/grpc-js", { paths: [PULUMI_DIR] }));
const SERVER_SCRIPT = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
const NODE_BIN = path.join(REPO_ROOT, "node_modules", ".bin", "node");
const PROVIDER_KEY = "__provider";

export type Props = Record<string, unknown>;
export type ProviderRef = pulumi.dynamic.ResourceProvider | string;

export interface CheckFailure {
  property: string;
  reason: string;
}
export interface CheckOutcome {
  inputs: Props;
  failures: CheckFailure[];
}
export interface DiffOutcome {
  /** "unknown" means the provider left `changes` unset (the engine then compares inputs itself). */
  changes: "some" | "none" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}
export interface PartialFailureDetail {
  id: string;
  properties: Props;
  reasons: string[];
}

/** A failed call, as the engine would see it; the message ends with what the provider process printed meanwhile. */
export class ProviderCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly details: string,
    readonly partial: PartialFailureDetail | undefined,
    readonly output: string[],
  ) {
    super(
      `${method} failed (gRPC code ${code}): ${details}` +
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
  /** Every line the provider process printed after its port (stdout and stderr), in order. */
  readonly output: string[] = [];
  private readonly texts = new WeakMap<object, Promise<string>>();
  private exited: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: InstanceType<typeof provrpc.ResourceProviderClient>,
    readonly pkg: ProviderPackage,
  ) {
    child.on("exit", (code, signal) => {
      this.exited = `exited (code ${code}, signal ${signal})`;
    });
  }

  static async start(opts: StartOptions = {}): Promise<ProviderServer> {
    // `source`: where pulumi-xen-ha comes from inside the server (default: dist/ when fresh, else transpiled).
    const pkg = buildProviderPackage({ source: opts.source, freshFolders: opts.freshFolders });
    const child = spawn(NODE_BIN, [SERVER_SCRIPT, "127.0.0.1:0"], {
      cwd: pkg.dir,
      env: { ...process.env, PULUMI_NODEJS_PROJECT: opts.project ?? "xen-ha-test", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output: string[] = [];
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => fail(new Error("no port after 30 s")), 30_000);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(new Error(`dynamic-provider server did not start: ${e.message}\n${stderr}`));
      };
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.stdout!.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        const nl = stdout.indexOf("\n");
        if (nl >= 0) {
          clearTimeout(timer);
          child.stdout!.removeAllListeners("data");
          const rest = stdout.slice(nl + 1);
          if (rest) output.push(...rest.split("\n").filter(Boolean));
          resolve(Number(stdout.slice(0, nl).trim()));
        }
      });
      child.on("error", fail);
      child.on("exit", (code) => fail(new Error(`exited with code ${code}`)));
    });
    child.removeAllListeners("exit");
    child.removeAllListeners("error");
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const server = new ProviderServer(child, client, pkg);
    server.output.push(...output);
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = "";
      stream.setEncoding("utf8").on("data", (d: string) => {
        const lines = (partial + d).split("\n");
        partial = lines.pop() ?? "";
        server.output.push(...lines);
      });
    }
    await server.configure(opts.config ?? {});
    return server;
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

  async configure(config: Record<string, string>): Promise<void> {
    const req = new provproto.ConfigureRequest();
    req.setArgs(Struct.fromJavaScript(config));
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    await this.call("Configure", (cb) => this.client.configure(req, cb));
  }

  /** olds: the recorded (checked) inputs, {} on create. news: the program's inputs; `__provider` is added. */
  async check(provider: ProviderRef, olds: Props, news: Props): Promise<CheckOutcome> {
    const req = new provproto.CheckRequest();
    req.setOlds(toStruct(olds));
    req.setNews(toStruct({ ...news, [PROVIDER_KEY]: await this.serialize(provider) }));
    const resp = await this.call<provproto.CheckResponse>("Check", (cb) => this.client.check(req, cb));
    return {
      inputs: (resp.getInputs()?.toJavaScript() ?? {}) as Props,
      failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  /** olds: the recorded OUTPUTS; news: checked inputs (they carry `__provider` from check). */
  async diff(id: string, olds: Props, news: Props): Promise<DiffOutcome> {
    const req = new provproto.DiffRequest();
    req.setId(id);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    const resp = await this.call<provproto.DiffResponse>("Diff", (cb) => this.client.diff(req, cb));
    const C = provproto.DiffResponse.DiffChanges;
    const changes = resp.getChanges();
    return {
      changes: changes === C.DIFF_SOME ? "some" : changes === C.DIFF_NONE ? "none" : "unknown",
      replaces: resp.getReplacesList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
    };
  }

  async create(inputs: Props): Promise<{ id: string; outputs: Props }> {
    const req = new provproto.CreateRequest();
    req.setProperties(toStruct(inputs));
    const resp = await this.call<provproto.CreateResponse>("Create", (cb) => this.client.create(req, cb));
    return { id: resp.getId(), outputs: (resp.getProperties()?.toJavaScript() ?? {}) as Props };
  }

  /** Refresh: `outputs` are the recorded outputs. An empty id in the result means the resource is gone. */
  async read(id: string, outputs: Props, inputs?: Props): Promise<{ id: string; outputs: Props; inputs?: Props }> {
    const req = new provproto.ReadRequest();
    req.setId(id);
    req.setProperties(toStruct(outputs));
    if (inputs) req.setInputs(toStruct(inputs));
    const resp = await this.call<provproto.ReadResponse>("Read", (cb) => this.client.read(req, cb));
    const newInputs = resp.getInputs()?.toJavaScript() as Props | undefined;
    return { id: resp.getId(), outputs: (resp.getProperties()?.toJavaScript() ?? {}) as Props, ...(newInputs ? { inputs: newInputs } : {}) };
  }

  async update(id: string, olds: Props, news: Props): Promise<{ outputs: Props }> {
    const req = new provproto.UpdateRequest();
    req.setId(id);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    const resp = await this.call<provproto.UpdateResponse>("Update", (cb) => this.client.update(req, cb));
    return { outputs: (resp.getProperties()?.toJavaScript() ?? {}) as Props };
  }

  async delete(id: string, outputs: Props): Promise<void> {
    const req = new provproto.DeleteRequest();
    req.setId(id);
    req.setProperties(toStruct(outputs));
    await this.call("Delete", (cb) => this.client.delete(req, cb));
  }

  /** Engine-like state for one resource managed by `provider` (see EngineResource). */
  resource(provider: ProviderRef): EngineResource {
    return new EngineResource(this, provider);
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

  /** Stops the process the way the engine does: SIGINT, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      this.child.kill("SIGINT");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    this.pkg.remove();
  }

  private call<T = unknown>(method: string, invoke: (cb: (err: grpcTypes.ServiceError | null, resp: T) => void) => void): Promise<T> {
    const mark = this.output.length;
    return new Promise<T>((resolve, reject) => {
      if (this.exited) {
        reject(new Error(`${method}: the dynamic-provider server ${this.exited}\n${this.output.slice(-30).join("\n")}`));
        return;
      }
      invoke((err, resp) => {
        if (!err) {
          resolve(resp);
          return;
        }
        // Give the process a moment to flush what it printed about the error.
        setTimeout(() => reject(new ProviderCallError(method, err.code, err.details, partialFrom(err.metadata), this.output.slice(mark))), 50);
      });
    });
  }
}

function partialFrom(metadata: grpcTypes.Metadata | undefined): PartialFailureDetail | undefined {
  const raw = metadata?.get("grpc-status-details-bin")?.[0];
  if (!raw) return undefined;
  const status = statusproto.Status.deserializeBinary(new Uint8Array(raw as Buffer));
  for (const any of status.getDetailsList()) {
    if (any.getTypeName() !== "pulumirpc.ErrorResourceInitFailed") continue;
    const detail = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
    return {
      id: detail.getId(),
      properties: (detail.getProperties()?.toJavaScript() ?? {}) as Props,
      reasons: detail.getReasonsList(),
    };
  }
  return undefined;
}

/** The engine never sends undefined (the SDK drops it); a JSON round trip does the same. */
function toStruct(props: Props): Struct {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(props ?? {})));
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
    const diff = await this.server.diff(this.state.id, this.state.outputs, check.inputs);
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
    const diff = await this.server.diff(old.id, old.outputs, check.inputs);
    const op = opFor(diff);
    if (op === "update") {
      try {
        const { outputs } = await this.server.update(old.id, old.outputs, check.inputs);
        this.state = { id: old.id, inputs: check.inputs, outputs };
      } catch (e) {
        // A partial failure replaces the outputs; any other failure leaves the old state as it was.
        if (e instanceof ProviderCallError && e.partial) this.state = { id: e.partial.id, inputs: check.inputs, outputs: e.partial.properties };
        throw e;
      }
    } else if (op === "replace") {
      if (diff.deleteBeforeReplace) {
        await this.server.delete(old.id, old.outputs);
        this.state = undefined;
        await this.createFrom(check.inputs);
      } else {
        await this.createFrom(check.inputs);
        await this.server.delete(old.id, old.outputs);
      }
    }
    return { op, check, diff, state: this.state! };
  }

  /** `pulumi refresh`: read; a gone resource leaves the state. Returns the new state (undefined when gone). */
  async refresh(): Promise<EngineState | undefined> {
    if (!this.state) throw new Error("refresh: nothing recorded");
    const { id, outputs, inputs } = await this.server.read(this.state.id, this.state.outputs, this.state.inputs);
    this.state = id === "" ? undefined : { id, inputs: inputs ?? this.state.inputs, outputs };
    return this.state;
  }

  /** `pulumi destroy` for this resource (runs the provider code recorded in the outputs). */
  async destroy(): Promise<void> {
    if (!this.state) return;
    await this.server.delete(this.state.id, this.state.outputs);
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
