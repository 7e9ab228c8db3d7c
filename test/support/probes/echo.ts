/**
 * A test-only resource kind with no host behind it, to exercise the provider framework through the real
 * dynamic-provider server: validation, diff, outputs, sanitizing, partial failures, logging, redaction.
 * It reaches the library by package name, as resources loaded by the provider process do.
 */
import { z } from "zod";
import type * as CoreTypes from "../../../provider/core/index";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const core: typeof CoreTypes = require("pulumi-xen-ha/core/index");

const inputs = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, "lowercase letters, digits and dashes, starting with a letter"),
  size: z.number().int().min(1).max(100).default(1),
  path: z.string().startsWith("/", "must be an absolute path"),
  tags: z.array(z.object({ key: z.string().min(1), value: z.string() })).default([]),
  connection: z.object({ host: z.string(), password: z.string().optional() }).optional(),
  /** Test switches: what the provider should do wrong. */
  fail: z.enum(["none", "create", "create-with-id", "create-partial", "update", "update-partial", "delete"]).default("none"),
  emit: z.enum(["clean", "dirty"]).default("clean"),
  gone: z.boolean().default(false),
  /** Log through the SDK's pulumi.log instead of the framework's logger, to see where that goes. */
  sdkLog: z.boolean().default(false),
  /** Make the read-only preview hook refuse (like a failed migration preflight). */
  refuseInPreview: z.boolean().default(false),
  /** A broken diff that always reports changes (a resource that is not idempotent). */
  unstable: z.boolean().default(false),
});
export type EchoInputs = z.infer<typeof inputs>;
export interface EchoOutputs extends EchoInputs {
  generation: number;
  configuredGreeting?: string;
  pid: number;
  note?: string;
}

/** What the impl's configure received (once per provider process). */
let configuredGreeting: string | undefined;

function dirty(): Record<string, unknown> {
  return { nothing: undefined, buf: Buffer.from("bytes"), big: 12n, when: new Date(0), list: [1, undefined, 3] };
}

export const impl = core.defineResource<EchoInputs, EchoOutputs>({
  kind: "Echo",
  inputs,
  describe: (p) => p.name ?? "",
  async configure(config) {
    configuredGreeting = config.get("greeting") ?? "(none)";
  },
  diff: (olds, news) =>
    core.mergeDiffs(
      core.diffFields(olds, news, { fields: core.inputFields(inputs), replaceOn: ["path"], deleteBeforeReplace: true }),
      news.unstable ? { changes: true, replaces: [], deleteBeforeReplace: false, diffs: ["generation"] } : core.NO_CHANGES,
    ),
  async preview(_olds, news, diff, ctx) {
    ctx.log.info(`preview sees changes in ${diff.diffs.join(", ")}`);
    if (news.refuseInPreview) throw new Error(`preflight refused ${news.name}: the target is not ready`);
  },
  async read(_id, olds, ctx) {
    ctx.log.info("reading");
    if (olds.gone) return null;
    return { outs: { note: "read" } };
  },
  async create(i, ctx) {
    ctx.log.info(`creating ${i.name} with password ${i.connection?.password ?? "none"}`);
    if (i.sdkLog) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const sdk: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
      await sdk.log.info(`sdk log from ${i.name}`);
      await sdk.log.warn(`sdk warning from ${i.name}`);
    }
    if (ctx.config) ctx.log.info(`config greeting: ${ctx.config.get("greeting") ?? "(none)"}`);
    const id = `echo-${i.name}`;
    if (i.fail === "create") throw new Error(`refused to create ${i.name}; password was ${i.connection?.password}`);
    if (i.fail === "create-with-id") throw Object.assign(new Error("a library error that happens to have an id"), { id: "lib-42" });
    if (i.fail === "create-partial") {
      throw core.PartialFailure.after(new Error("second step failed"), id, { generation: 1, pid: process.pid, note: "half done" }, "first step done");
    }
    return { id, outs: { generation: 1, pid: process.pid, configuredGreeting, ...(i.emit === "dirty" ? dirty() : {}) } };
  },
  async update(id, olds, news) {
    if (news.fail === "update") throw new Error("update refused before touching anything");
    if (news.fail === "update-partial") {
      throw new core.PartialFailure("update half done", { id, properties: { generation: olds.generation + 1, pid: process.pid, note: "half updated" } });
    }
    return { outs: { generation: olds.generation + 1, pid: process.pid } };
  },
  async delete(_id, olds, ctx) {
    ctx.log.info(`deleting ${olds.name}`);
    if (olds.fail === "delete") throw new Error("delete refused");
  },
});
