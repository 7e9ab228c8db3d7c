// The public API: `import { NfsMount } from "pulumi-xen-ha"`. Deeper paths (`pulumi-xen-ha/resources/<name>/impl`)
// are what the providers load at run time, not an API.

// Resources: the class users construct, its args, and what it outputs (inputs with defaults plus observations).
export { NfsExport, type NfsExportArgs, type NfsExportClientArgs } from "./resources/nfs-export/resource";
export type { NfsExportInputs, NfsExportOutputs, NfsExportObserved } from "./resources/nfs-export/schema";
export { NfsMount, type NfsMountArgs } from "./resources/nfs-mount/resource";
export type { NfsMountInputs, NfsMountOutputs, NfsMountObserved } from "./resources/nfs-mount/schema";
export { XendRelocationConfig, type XendRelocationConfigArgs } from "./resources/xend-relocation-config/resource";
export type { XendRelocationInputs, XendRelocationOutputs, XendRelocationObserved } from "./resources/xend-relocation-config/schema";
export { XenDomainConfig, type XenDomainConfigArgs } from "./resources/xen-domain-config/resource";
export type { XenDomainConfigInputs, XenDomainConfigOutputs, XenDomainConfigObserved } from "./resources/xen-domain-config/schema";
export { XlMigrationTrust, type XlMigrationTrustArgs } from "./resources/xl-migration-trust/resource";
export type { XlMigrationTrustInputs, XlMigrationTrustOutputs, XlMigrationTrustObserved } from "./resources/xl-migration-trust/schema";
export { LiveMigration, type LiveMigrationArgs, type CandidateHostArgs } from "./resources/live-migration/resource";
export type { LiveMigrationInputs, LiveMigrationOutputs, PreflightCheck, LastMigration } from "./resources/live-migration/schema";

// The component composing them (the whole runbook).
export { XenHaCluster } from "./components/xen-ha-cluster";
export type {
  XenHaClusterArgs, XenHaNodeArgs, XenHaDomainArgs, XenHaNfsArgs, XenHaMountArgs, XenHaRelocationArgs, XenHaDomainState,
  XenHaNodeState,
} from "./components/xen-ha-cluster";

// How every resource reaches its host (the same shape as @pulumi/command's remote connection).
export { connectionSchema } from "./ssh/connection";
export type { Connection, ConnectionInput, ProxyConnection } from "./ssh/connection";

// Provider framework (provider/core): for writing further xen-ha-style resources.
export { makeProvider, XenHaResource, defineResource, diffFields, inputFields, mergeDiffs, PartialFailure, UNKNOWN, isUnknown, withTimeout, deadline } from "./core/index";
export type { ArgsOf, DeepInput, XenHaResourceSpec, ResourceImpl, ProviderContext, DiffResult, FieldDiffSpec, Logger, Deadline } from "./core/index";
