/**
 * Drives Pulumi's real dynamic-provider gRPC server (`@pulumi/pulumi/cmd/dynamic-provider`) the way the engine
 * does: one server process per operation, Configure first, then Check/Diff/Create/Update/Read/Delete with
 * `__provider` carried in the properties. Values crossing this boundary are plain (the server answers
 * Configure with acceptSecrets=false, so the engine would strip secret markers too).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

/* eslint-disable @typescript-eslint/no-require-imports */
// The proto classes and the client credentials must come from the same @grpc/grpc-js the SDK resolves.
const sdkRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdkRoot] })) as typeof import("@grpc/grpc-js");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdkRoot] }));
/* eslint-enable @typescript-eslint/no-require-imports */

export type Props = Record<string, unknown>;
export interface CheckFailure { property: string; reason: string }
export interface CheckResult { inputs: Props; failures: CheckFailure[] }
export type DiffChanges = "none" | "some" | "unknown";
export interface DiffResult { changes: DiffChanges; replaces: string[]; deleteBeforeReplace: boolean }
export interface CreateResult { id: string; outputs: Props }
export interface ReadResult { id: string; outputs: Props; inputs?: Props }
export interface RefreshResult { id: string; inputs: Props; outputs: Props; diff?: DiffResult }

/** A provider error; when the provider reported a partial failure, `initFailed` holds what the engine keeps. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly initFailed?: { id: string; properties: Props; reasons: string[] },
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

export interface ProviderServerOptions {
  /** Folder whose node_modules decide how the provider code's `require` resolves (the program's folder). */
  cwd: string;
  project: string;
  stack: string;
  /** Stack config passed to Configure (keys like "project:key"), reaching each provider's `configure()`. */
  config?: Record<string, string>;
  /** Receives every line the provider process prints after its port line (provider logs). */
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
  env?: NodeJS.ProcessEnv;
}

const toStruct = (v: Props) => Struct.fromJavaScript(v);
const fromStruct = (s: { toJavaScript(): Props } | undefined): Props => (s ? s.toJavaScript() : {});

export class ProviderServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any, // eslint-disable-line @typescript-eslint/no-explicit-any
  ) {}

  static async start(opts: ProviderServerOptions): Promise<ProviderServer> {
    const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, PULUMI_NODEJS_PROJECT: opts.project, PULUMI_NODEJS_STACK: opts.stack };
    const child = spawn(process.execPath, [entry, "127.0.0.1:0"], { cwd: opts.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const log = opts.onLog ?? (() => undefined);
    const port = await new Promise<number>((resolve, reject) => {
      let first = true;
      const stderr: string[] = [];
      readline.createInterface({ input: child.stdout! }).on("line", (line) => {
        if (first) {
          first = false;
          const n = Number(line.trim());
          if (Number.isInteger(n) && n > 0) resolve(n);
          else reject(new Error(`dynamic-provider server printed "${line}" instead of its port`));
          return;
        }
        log(line, "stdout");
      });
      readline.createInterface({ input: child.stderr! }).on("line", (line) => {
        if (first) stderr.push(line);
        log(line, "stderr");
      });
      child.once("error", reject);
      child.once("exit", (code) => {
        if (first) reject(new Error(`dynamic-provider server exited (${code}) before listening: ${stderr.slice(-5).join(" / ")}`));
      });
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const server = new ProviderServer(child, client);
    const req = new provproto.ConfigureRequest();
    const vars = req.getVariablesMap();
    for (const [k, v] of Object.entries(opts.config ?? {})) vars.set(k, v);
    req.setArgs(toStruct({ ...(opts.config ?? {}) }));
    req.setAcceptsecrets(false);
    req.setAcceptresources(false);
    await server.call("configure", req);
    return server;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private call(method: string, req: unknown): Promise<any> {
    return new Promise((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      this.client[method](req, (err: any, resp: unknown) => {
        if (err) reject(toProviderError(method, err));
        else resolve(resp);
      });
    });
  }

  async check(urn: string, olds: Props, news: Props): Promise<CheckResult> {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    const resp = await this.call("check", req);
    const failures = (resp.getFailuresList() as { getProperty(): string; getReason(): string }[]).map((f) => ({
      property: f.getProperty(),
      reason: f.getReason(),
    }));
    return { inputs: fromStruct(resp.getInputs()), failures };
  }

  async diff(urn: string, id: string, olds: Props, news: Props, oldInputs: Props): Promise<DiffResult> {
    const req = new provproto.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    req.setOldInputs(toStruct(oldInputs));
    const resp = await this.call("diff", req);
    const C = provproto.DiffResponse.DiffChanges;
    const c = resp.getChanges();
    return {
      changes: c === C.DIFF_SOME ? "some" : c === C.DIFF_NONE ? "none" : "unknown",
      replaces: resp.getReplacesList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
    };
  }

  async create(urn: string, properties: Props): Promise<CreateResult> {
    const req = new provproto.CreateRequest();
    req.setUrn(urn);
    req.setProperties(toStruct(properties));
    const resp = await this.call("create", req);
    return { id: resp.getId(), outputs: fromStruct(resp.getProperties()) };
  }

  async update(urn: string, id: string, olds: Props, news: Props, oldInputs: Props): Promise<Props> {
    const req = new provproto.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    req.setOldInputs(toStruct(oldInputs));
    const resp = await this.call("update", req);
    return fromStruct(resp.getProperties());
  }

  async read(urn: string, id: string, properties: Props, inputs: Props): Promise<ReadResult> {
    const req = new provproto.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(toStruct(properties));
    req.setInputs(toStruct(inputs));
    const resp = await this.call("read", req);
    const inputsStruct = resp.getInputs();
    return {
      id: resp.getId(),
      outputs: fromStruct(resp.getProperties()),
      inputs: inputsStruct ? fromStruct(inputsStruct) : undefined,
    };
  }

  /**
   * The engine's RefreshStep (pkg/resource/deploy/step.go): Read(id, old inputs, old outputs), then the
   * provider's Diff of the refreshed outputs against the inputs (an error there fails the refresh). Read
   * returning no inputs keeps the old ones; id "" means the object is gone (`diff` is then undefined).
   */
  async refresh(urn: string, id: string, inputs: Props, outputs: Props): Promise<RefreshResult> {
    const read = await this.read(urn, id, outputs, inputs);
    const kept = read.inputs ?? inputs;
    if (read.id === "") return { id: "", inputs: kept, outputs: {} };
    const diff = await this.diff(urn, read.id, read.outputs, kept, kept);
    return { id: read.id, inputs: kept, outputs: read.outputs, diff };
  }

  async delete(urn: string, id: string, properties: Props, oldInputs: Props): Promise<void> {
    const req = new provproto.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(toStruct(properties));
    req.setOldInputs(toStruct(oldInputs));
    await this.call("delete", req);
  }

  /** Stops the server as the engine does (SIGINT, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      this.child.kill("SIGINT");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toProviderError(method: string, err: any): ProviderError {
  const message: string = err?.details || err?.message || String(err);
  const bin = err?.metadata?.get?.("grpc-status-details-bin")?.[0];
  if (bin) {
    const status = statusproto.Status.deserializeBinary(new Uint8Array(bin));
    for (const any of status.getDetailsList()) {
      if (String(any.getTypeName?.() ?? any.getTypeUrl()).endsWith("ErrorResourceInitFailed")) {
        const detail = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
        return new ProviderError(message, method, {
          id: detail.getId(),
          properties: fromStruct(detail.getProperties()),
          reasons: detail.getReasonsList(),
        });
      }
    }
  }
  return new ProviderError(message, method);
}
