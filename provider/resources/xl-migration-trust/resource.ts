import type * as pulumi from "@pulumi/pulumi";
import { makeProvider } from "../../core/provider";
import { XenHaResource, type AllOutputsDeclared, type ArgsOf } from "../../core/resource";
import type { XlMigrationTrustOutputs, xlMigrationTrustInputsSchema } from "./schema";

const provider = makeProvider("xl-migration-trust");

/** The inputs (see docs/resources/xl-migration-trust.md); any part may be a Pulumi Input. */
export type XlMigrationTrustArgs = ArgsOf<typeof xlMigrationTrustInputsSchema>;

const OUTPUTS = [
  "source", "target", "targetAddress", "sourceAddresses", "keyPath", "sshClientConfig", "authorizedKeysPath", "timeoutSeconds",
  "privateKeyPath", "publicKey", "keyCreated", "authorizedKeysFile", "authorizedLine", "wrapperPath", "wrapperInstalled",
  "fromAddresses", "knownHostsAdded", "sshConfigAdded", "createdFiles", "sshCommand", "drift",
] as const;

const allDeclared: AllOutputsDeclared<XlMigrationTrustOutputs, typeof OUTPUTS> = true;
void allDeclared;

/** SSH trust for `xl migrate` from one host to another, restricted to migrate-receive. See docs/resources/xl-migration-trust.md. */
export class XlMigrationTrust extends XenHaResource {
  declare readonly privateKeyPath: pulumi.Output<string>;
  declare readonly publicKey: pulumi.Output<string>;
  declare readonly authorizedLine: pulumi.Output<string>;
  declare readonly fromAddresses: pulumi.Output<string[]>;
  declare readonly knownHostsAdded: pulumi.Output<string[]>;
  declare readonly sshCommand: pulumi.Output<string[]>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: XlMigrationTrustArgs, opts?: pulumi.CustomResourceOptions) {
    super({ kind: "XlMigrationTrust", provider, outputs: OUTPUTS, secretProperties: ["source", "target"] }, name, args, opts);
  }

  /**
   * Adopts the XlMigrationTrust recorded under `id` without changing anything: the engine reads it (Read, no Check; the
   * provider fills in the defaults) and keeps it as an external resource, which this program never updates or
   * deletes; its outputs show the host's real state. `args` are the inputs the read needs (the required ones
   * at least). The `import` resource option does not work for
   * dynamic providers (the engine sends no inputs; pulumi/pulumi#3550): use this.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, args: XlMigrationTrustArgs, opts?: pulumi.CustomResourceOptions): XlMigrationTrust {
    return new XlMigrationTrust(name, args, { ...opts, id });
  }
}
