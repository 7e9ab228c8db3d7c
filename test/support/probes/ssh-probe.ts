/**
 * A test-only resource kind that runs a command on a lab host through the library's connection pool, reached
 * by package name as every resource does inside the provider process. Its outputs say which SSH connection
 * served each call, as the SSH server saw it ($SSH_CONNECTION, the sshd session process), so tests can prove
 * that calls from different resources and different RPCs share one pooled connection.
 */
import { z } from "zod";
import type * as CoreTypes from "../../../provider/core/index";
import type * as ConnectionTypes from "../../../provider/ssh/connection";
import type * as PoolTypes from "../../../provider/ssh/pool";

/* eslint-disable @typescript-eslint/no-require-imports */
const core: typeof CoreTypes = require("pulumi-xen-ha/core/index");
const { connectionSchema }: typeof ConnectionTypes = require("pulumi-xen-ha/ssh/connection");
const pool: typeof PoolTypes = require("pulumi-xen-ha/ssh/pool");
/* eslint-enable @typescript-eslint/no-require-imports */

const inputs = z.strictObject({
  connection: connectionSchema,
  tag: z.string().regex(/^[a-z0-9-]+$/, "lowercase letters, digits and dashes"),
});
type Inputs = z.infer<typeof inputs>;
interface Outputs extends Inputs {
  /** "client_ip client_port server_ip server_port", set by sshd for the connection that ran the command. */
  sshConnection: string;
  /** The sshd process that owns the connection (the shell's parent). */
  sshdPid: number;
  /** Where the pool module was loaded from inside the provider process. */
  poolModule: string;
  poolSize: number;
  providerPid: number;
}

async function observe(i: Inputs): Promise<CoreTypes.Outs<Inputs, Outputs>> {
  const host = await pool.connect(i.connection);
  const r = await host.run(["sh", "-c", 'printf "%s\\n%s\\n" "$SSH_CONNECTION" "$PPID"'], { timeoutMs: 15_000 });
  const [sshConnection, ppid] = r.stdout.split("\n");
  return {
    sshConnection,
    sshdPid: Number(ppid),
    poolModule: require.resolve("pulumi-xen-ha/ssh/pool"),
    poolSize: pool.poolSize(),
    providerPid: process.pid,
  };
}

export const impl = core.defineResource<Inputs, Outputs>({
  kind: "SshProbe",
  inputs,
  diff: (olds, news) => core.diffFields(olds, news, { fields: core.inputFields(inputs), replaceOn: ["connection.host"] }),
  read: async (_id, olds) => ({ outs: await observe(olds) }),
  create: async (i) => ({ id: `ssh-probe-${i.tag}`, outs: await observe(i) }),
  update: async (_id, _olds, news) => ({ outs: await observe(news) }),
  delete: async () => undefined,
});
