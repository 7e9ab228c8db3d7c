/**
 * XenHaCluster: the runbook as one component. It composes the library's resources in the runbook's order
 * and adds no host logic of its own: every check and change is done by the resources, which users can also
 * use alone. See docs/components/xen-ha-cluster.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { LiveMigration, type LiveMigrationArgs } from "../resources/live-migration/resource";
import type { LastMigration } from "../resources/live-migration/schema";
import { NfsExport } from "../resources/nfs-export/resource";
import { NfsMount } from "../resources/nfs-mount/resource";
import type { ObservedMount } from "../resources/nfs-mount/schema";
import { XenDomainConfig, type XenDomainConfigArgs } from "../resources/xen-domain-config/resource";
import { XendRelocationConfig } from "../resources/xend-relocation-config/resource";
import { XlMigrationTrust } from "../resources/xl-migration-trust/resource";
import type { ConnectionInput } from "../ssh/connection";
import { checkClusterArgs } from "./cluster-args";
import { configMismatch, exportClients, migrationPairs, relocationHostsAllow, XEN_EXPORT_OPTIONS } from "./cluster-topology";

export interface XenHaNodeArgs {
  /** Your name for the node (`node1`): used in resource names, `desiredHost` and the outputs. */
  name: string;
  /** How the resources reach the node over SSH (docs/resources/connection.md). */
  connection: pulumi.Input<ConnectionInput>;
  /** Address the other nodes use to reach this one for migration (runbook: 192.168.233.150). */
  migrationAddress: pulumi.Input<string>;
  /** Address the NFS server sees this node's mounts come from (runbook: 10.10.10.10). Default: migrationAddress. */
  storageAddress?: pulumi.Input<string>;
}

export interface XenHaDomainArgs {
  /** The domain's config, as XenDomainConfig takes it (without connection and flavour, which the cluster sets). */
  config: Omit<XenDomainConfigArgs, "connection" | "flavour"> & { name: string };
  /** The node the domain must run on. */
  desiredHost: pulumi.Input<string>;
  /** Start it on desiredHost when it runs nowhere (LiveMigration's startIfStopped). Default false. */
  startIfStopped?: pulumi.Input<boolean>;
  /** How to migrate (LiveMigration's `migration`: live, port, ssl, ssh command, timeout). */
  migration?: LiveMigrationArgs["migration"];
  /** Who pings the guest during a migration, to measure downtime (LiveMigration's `probe`). */
  probe?: LiveMigrationArgs["probe"];
  /** Failover from a dead node, with explicit fencing confirmation (LiveMigration's `failover`). */
  failover?: LiveMigrationArgs["failover"];
}

/** The NFS server and its export (runbook step 1). */
export interface XenHaNfsArgs {
  /** How NfsExport reaches the server over SSH (docs/resources/connection.md). */
  connection: pulumi.Input<ConnectionInput>;
  /** The server's address as the nodes reach it (runbook: 10.10.10.30): the mount source is ADDRESS:PATH. */
  address: pulumi.Input<string>;
  /** Exported directory (runbook: /data). */
  path: string;
  /** Options of each node's client entry in /etc/exports. Default rw, sync, no_root_squash, no_subtree_check. */
  exportOptions?: string[];
}

/** The share on every node (runbook steps 2-3); see NfsMount for the details. */
export interface XenHaMountArgs {
  /** Default: the export's path. */
  mountPoint?: string;
  /** Default nfs. */
  fsType?: "nfs" | "nfs4";
  /** Default: the runbook's hard, rw, rsize=32768, wsize=32768 (NfsMount's default). */
  options?: string[];
  /** Files already at a node's mount point: `refuse` (default) or `carry` them onto the share, checksummed. */
  existingContent?: "refuse" | "carry";
}

/** xm only: xend's relocation server on every node (runbook step 5). */
export interface XenHaRelocationArgs {
  /** Relocation port. Default 8002. */
  port?: number;
  /** Address xend listens on. Default '' (all addresses). */
  address?: string;
  /** Allowed besides the other nodes' migration addresses (exact names or addresses). Default none. */
  extraHostsAllow?: string[];
}

export interface XenHaClusterArgs {
  /** `xm` (xend: relocation server) or `xl` (SSH trust between the nodes' root accounts). */
  toolstack: "xm" | "xl";
  /** The NFS server and its export. */
  nfs: XenHaNfsArgs;
  /** The Xen hosts, two or more. */
  nodes: XenHaNodeArgs[];
  /** How every node mounts the share. */
  mount?: XenHaMountArgs;
  /** xm only: the relocation server's settings. */
  relocation?: XenHaRelocationArgs;
  /** The domains placed on the nodes, each with the same config file on every node. */
  domains: XenHaDomainArgs[];
}

export interface XenHaDomainState {
  /** Where the domain runs (LiveMigration's currentHost). */
  currentHost: string | null;
  lastMigration: LastMigration | null;
  /** The config file every node holds, identical on all (checked). */
  configPath: string;
}

export interface XenHaNodeState {
  mounted: boolean;
  mount: ObservedMount | null;
  fstabLine: string | null;
  /** Mount drift the last look found (NfsMount's drift); empty when converged. */
  drift: string[];
}

export class XenHaCluster extends pulumi.ComponentResource {
  readonly export: NfsExport;
  readonly mounts: Record<string, NfsMount> = {};
  readonly relocations: Record<string, XendRelocationConfig> = {};
  readonly trusts: XlMigrationTrust[] = [];
  /** domain → node → its config file resource. */
  readonly configs: Record<string, Record<string, XenDomainConfig>> = {};
  readonly migrations: Record<string, LiveMigration> = {};
  readonly domains: pulumi.Output<Record<string, XenHaDomainState>>;
  readonly nodes: pulumi.Output<Record<string, XenHaNodeState>>;

  constructor(name: string, args: XenHaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // the whole input first, with this component's field paths, before any child exists or dials a host
    checkClusterArgs(name, args);
    super("xen-ha:index:XenHaCluster", name, {}, opts);
    const child = { parent: this };
    const addresses = pulumi.all(
      args.nodes.map((n) => pulumi.all([n.migrationAddress, n.storageAddress ?? n.migrationAddress]).apply(([m, s]) => ({
        name: n.name, migrationAddress: m, storageAddress: s,
      }))),
    );

    // Runbook step 1: the export, open to the nodes only.
    this.export = new NfsExport(`${name}-export`, {
      connection: args.nfs.connection,
      path: args.nfs.path,
      clients: addresses.apply((a) => exportClients(a, args.nfs.exportOptions ?? XEN_EXPORT_OPTIONS)),
    }, child);

    // Steps 2-3: the share on every node (carrying what is already at the mount point, if asked).
    for (const node of args.nodes) {
      this.mounts[node.name] = new NfsMount(`${name}-${node.name}-mount`, {
        connection: node.connection,
        server: args.nfs.address,
        exportPath: args.nfs.path,
        mountPoint: args.mount?.mountPoint ?? args.nfs.path,
        fsType: args.mount?.fsType,
        options: args.mount?.options,
        existingContent: args.mount?.existingContent,
      }, { ...child, dependsOn: [this.export] });
    }

    // Step 5: who may migrate to whom: xend's relocation server (xm) or root's SSH trust (xl).
    if (args.toolstack === "xm") {
      for (const node of args.nodes) {
        this.relocations[node.name] = new XendRelocationConfig(`${name}-${node.name}-relocation`, {
          connection: node.connection,
          enabled: true,
          port: args.relocation?.port,
          address: args.relocation?.address,
          hostsAllow: addresses.apply((a) => relocationHostsAllow(node.name, a, args.relocation?.extraHostsAllow)),
        }, child);
      }
    } else {
      for (const [source, target] of migrationPairs(args.nodes)) {
        // xl migrate runs `ssh TARGET xl migrate-receive` on the source, from its migration address.
        this.trusts.push(new XlMigrationTrust(`${name}-${source.name}-to-${target.name}-trust`, {
          source: source.connection,
          target: target.connection,
          targetAddress: target.migrationAddress,
          sourceAddresses: [source.migrationAddress],
        }, child));
      }
    }
    const migrationPaths: pulumi.Resource[] = [...Object.values(this.relocations), ...this.trusts];

    // Step 4: the same domain config on every node, checked identical; step 6: each domain where it belongs.
    const domainStates: Record<string, pulumi.Output<XenHaDomainState>> = {};
    for (const domain of args.domains) {
      const dn = domain.config.name;
      const perNode: Record<string, XenDomainConfig> = (this.configs[dn] = {});
      for (const node of args.nodes) {
        perNode[node.name] = new XenDomainConfig(`${name}-${dn}-${node.name}-config`, {
          ...domain.config,
          connection: node.connection,
          flavour: args.toolstack,
        }, { ...child, dependsOn: Object.values(this.mounts) }); // the disk may reach the share from another node (a carry)
      }
      const identicalPath = pulumi
        .all(args.nodes.map((n) => pulumi.all([perNode[n.name]!.configPath, perNode[n.name]!.content])))
        .apply((files) => {
          const problem = configMismatch(dn, files.map(([path, content], i) => ({ node: args.nodes[i]!.name, path, content })));
          if (problem) throw new Error(problem);
          return files[0]![0];
        });
      const migration = (this.migrations[dn] = new LiveMigration(`${name}-${dn}-placement`, {
        domain: dn,
        hosts: args.nodes.map((n) => ({ name: n.name, connection: n.connection, migrationAddress: n.migrationAddress })),
        desiredHost: domain.desiredHost,
        toolstack: args.toolstack,
        configPath: identicalPath,
        migration: domain.migration,
        probe: domain.probe,
        failover: domain.failover,
        startIfStopped: domain.startIfStopped,
      }, { ...child, dependsOn: [...Object.values(this.mounts), ...migrationPaths] }));
      domainStates[dn] = pulumi.all([migration.currentHost, migration.lastMigration, identicalPath]).apply(
        ([currentHost, lastMigration, configPath]) => ({ currentHost, lastMigration, configPath }),
      );
    }

    this.domains = pulumi.all(domainStates);
    this.nodes = pulumi.all(
      Object.fromEntries(Object.entries(this.mounts).map(([n, m]) => [n, pulumi.all([m.mount, m.fstabLine, m.drift]).apply(
        ([mount, fstabLine, drift]): XenHaNodeState => ({ mounted: mount !== null, mount, fstabLine, drift }),
      )])),
    );
    this.registerOutputs({ domains: this.domains, nodes: this.nodes, exportEntry: this.export.entry });
  }
}
