export { readFile } from "./read-file";
export { writeFileAtomic, type WriteFileOptions, type WriteFileResult } from "./write-file";
export { gatherFacts, FactError, type Probe, type ProbeOutput, type Facts } from "./facts";
export { fileProbe } from "./file-probe";
export { service, serviceProbe, type Service, type ServiceFact, type ServiceStatus, type ServiceState, type InitSystem } from "./service";
export { withHostLock, HostLockError, type HostLockOptions } from "./lock";
export { checkRemotePath } from "./paths";
export { toolstackProbe, type InstalledToolstack } from "./toolstack";
