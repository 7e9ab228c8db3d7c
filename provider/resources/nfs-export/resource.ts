import type * as pulumi from "@pulumi/pulumi";
import { makeProvider } from "../../core/provider";
import { XenHaResource, type AllOutputsDeclared } from "../../core/resource";
import type { ConnectionInput } from "../../ssh/connection";
import type { NfsExportObserved, NfsExportOutputs } from "./schema";

const provider = makeProvider("nfs-export");

export interface NfsExportClientArgs {
  host: pulumi.Input<string>;
  options?: pulumi.Input<pulumi.Input<string>[]>;
}

export interface NfsExportArgs {
  connection: pulumi.Input<ConnectionInput>;
  path: pulumi.Input<string>;
  clients: pulumi.Input<pulumi.Input<NfsExportClientArgs>[]>;
  createDirectory?: pulumi.Input<boolean>;
  owner?: pulumi.Input<string>;
  group?: pulumi.Input<string>;
  mode?: pulumi.Input<string>;
  serviceEnabled?: pulumi.Input<boolean>;
  serviceRunning?: pulumi.Input<boolean>;
  serviceName?: pulumi.Input<string>;
  timeoutSeconds?: pulumi.Input<number>;
}

const OUTPUTS = [
  "connection", "path", "clients", "createDirectory", "owner", "group", "mode", "serviceEnabled", "serviceRunning",
  "serviceName", "timeoutSeconds", "entry", "live", "service", "drift", "backupPath",
] as const;
const allDeclared: AllOutputsDeclared<NfsExportOutputs, typeof OUTPUTS> = true;
void allDeclared;

/** A directory exported by the NFS server (runbook step 1). See docs/resources/nfs-export.md. */
export class NfsExport extends XenHaResource {
  declare readonly path: pulumi.Output<string>;
  declare readonly clients: pulumi.Output<{ host: string; options: string[] }[]>;
  declare readonly entry: pulumi.Output<NfsExportObserved["entry"]>;
  declare readonly live: pulumi.Output<NfsExportObserved["live"]>;
  declare readonly service: pulumi.Output<NfsExportObserved["service"]>;
  declare readonly drift: pulumi.Output<string[]>;
  declare readonly backupPath: pulumi.Output<string | null>;

  constructor(name: string, args: NfsExportArgs, opts?: pulumi.CustomResourceOptions) {
    super({ kind: "NfsExport", provider, outputs: OUTPUTS }, name, args, opts);
  }
}
