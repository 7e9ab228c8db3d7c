import type * as pulumi from "@pulumi/pulumi";
import { makeProvider } from "../../core/provider";
import { XenHaResource, type AllOutputsDeclared, type ArgsOf } from "../../core/resource";
import type { exportClientSchema, NfsExportObserved, NfsExportOutputs, nfsExportInputsSchema } from "./schema";

const provider = makeProvider("nfs-export");

/** One client entry of the export; any part may be a Pulumi Input. */
export type NfsExportClientArgs = ArgsOf<typeof exportClientSchema>;

/** The inputs (see docs/resources/nfs-export.md); any part may be a Pulumi Input. */
export type NfsExportArgs = ArgsOf<typeof nfsExportInputsSchema>;

const OUTPUTS = [
  "connection", "path", "clients", "createDirectory", "owner", "group", "mode", "serviceEnabled", "serviceRunning",
  "serviceName", "timeoutSeconds", "allowWideRootAccess", "entry", "live", "service", "drift", "backupPath",
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

  /**
   * Adopts the NfsExport recorded under `id` without changing anything: the engine reads it (Read, no Check; the
   * provider fills in the defaults) and keeps it as an external resource, which this program never updates or
   * deletes; its outputs show the host's real state. `args` are the inputs the read needs (the required ones
   * at least). The `import` resource option does not work for
   * dynamic providers (the engine sends no inputs; pulumi/pulumi#3550): use this.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, args: NfsExportArgs, opts?: pulumi.CustomResourceOptions): NfsExport {
    return new NfsExport(name, args, { ...opts, id });
  }
}
