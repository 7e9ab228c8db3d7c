/**
 * Hook the lab calls for each Xen host while provisioning it, before the host boots (stub until the
 * simulator lands). The host's boot then runs its enabled init scripts, so an init script installed and
 * enabled here (e.g. xend) starts with the host.
 */
export interface SimHostContext {
  lab: string;
  hostName: string;
  /** host root dir as seen from the harness, before sshd starts */
  root: string;
  toolstack: "xm" | "xl";
  address: string;
  inventoryPath: string;
  stateDir: string;
}

export async function installToolstack(ctx: SimHostContext): Promise<void> {
  void ctx;
}
