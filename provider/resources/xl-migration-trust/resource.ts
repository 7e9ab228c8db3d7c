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
}
