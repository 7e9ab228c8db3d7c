import * as pulumi from "@pulumi/pulumi";
import { inputFields, makeProvider, XenHaResource } from "../../core";
import type { ConnectionInput } from "../../ssh/connection";
import { liveMigrationInputsSchema, type LastMigration, type PreflightCheck } from "./schema";

const provider = makeProvider("live-migration");

export interface CandidateHostArgs {
  name: pulumi.Input<string>;
  connection: pulumi.Input<ConnectionInput>;
  migrationAddress: pulumi.Input<string>;
}

export interface LiveMigrationArgs {
  domain: pulumi.Input<string>;
  hosts: pulumi.Input<pulumi.Input<CandidateHostArgs>[]>;
  desiredHost: pulumi.Input<string>;
  toolstack?: pulumi.Input<"xm" | "xl" | "detect">;
  configPath?: pulumi.Input<string>;
  migration?: pulumi.Input<{
    live?: pulumi.Input<boolean>;
    port?: pulumi.Input<number>;
    ssl?: pulumi.Input<boolean>;
    sshCommand?: pulumi.Input<pulumi.Input<string>[]>;
    sshConfigFile?: pulumi.Input<string>;
    timeoutSeconds?: pulumi.Input<number>;
  }>;
  probe?: pulumi.Input<{
    connection: pulumi.Input<ConnectionInput>;
    address: pulumi.Input<string>;
    intervalSeconds?: pulumi.Input<number>;
  }>;
  failover?: pulumi.Input<{ allow?: pulumi.Input<boolean>; fencedHost?: pulumi.Input<string>; incident?: pulumi.Input<string> }>;
  startIfStopped?: pulumi.Input<boolean>;
  preflightOnly?: pulumi.Input<boolean>;
}

const OUTPUTS = [...inputFields(liveMigrationInputsSchema), "currentHost", "locations", "unreachableHosts", "preflight", "lastMigration", "lastSeen"];

/**
 * Keeps a Xen domain on its desired host with a verified live migration (see docs/resources/live-migration.md).
 * Deleting it leaves the domain running where it is.
 */
export class LiveMigration extends XenHaResource {
  declare readonly domain: pulumi.Output<string>;
  declare readonly desiredHost: pulumi.Output<string>;
  declare readonly currentHost: pulumi.Output<string | null>;
  declare readonly locations: pulumi.Output<{ host: string; listedAs: string; state: string }[]>;
  declare readonly unreachableHosts: pulumi.Output<string[]>;
  declare readonly preflight: pulumi.Output<PreflightCheck[]>;
  declare readonly lastMigration: pulumi.Output<LastMigration | null>;
  declare readonly lastSeen: pulumi.Output<{ host: string; id: number | null } | null>;

  constructor(name: string, args: LiveMigrationArgs, opts?: pulumi.CustomResourceOptions) {
    super({ kind: "LiveMigration", provider, outputs: OUTPUTS, secretProperties: ["hosts", "probe"] }, name, args, opts);
  }

  /**
   * Adopts the LiveMigration recorded under `id` without changing anything: the engine reads it (Read, no Check; the
   * provider fills in the defaults) and keeps it as an external resource, which this program never updates or
   * deletes; its outputs show the host's real state. `args` are the inputs the read needs (the required ones
   * at least). The `import` resource option does not work for
   * dynamic providers (the engine sends no inputs; pulumi/pulumi#3550): use this.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, args: LiveMigrationArgs, opts?: pulumi.CustomResourceOptions): LiveMigration {
    return new LiveMigration(name, args, { ...opts, id });
  }
}
