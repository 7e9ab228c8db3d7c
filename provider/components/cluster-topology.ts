/**
 * Pure composition rules of XenHaCluster: who may mount the export, who may migrate to whom, and whether
 * every node holds the same domain config. Nothing here touches a host; the resources do.
 */

export interface NodeAddresses {
  name: string;
  /** Address other nodes use to reach this one for migration. */
  migrationAddress: string;
  /** Address the NFS server sees this node's mounts come from. */
  storageAddress: string;
}

/** Runbook step 1's export options for Xen hosts: domains run as root from images on the share. */
export const XEN_EXPORT_OPTIONS = ["rw", "sync", "no_root_squash", "no_subtree_check"];

/** The export's clients: every node's storage address, once, in node order. */
export function exportClients(nodes: readonly NodeAddresses[], options: readonly string[] = XEN_EXPORT_OPTIONS) {
  const hosts = [...new Set(nodes.map((n) => n.storageAddress))];
  return hosts.map((host) => ({ host, options: [...options] }));
}

/**
 * xend's hosts-allow for one node: the other nodes' migration addresses (the source's address as the target's
 * relocation server sees it), plus anything the user adds. The cluster's own nodes only, unless told otherwise.
 */
export function relocationHostsAllow(node: string, nodes: readonly NodeAddresses[], extra: readonly string[] = []): string[] {
  return [...new Set([...nodes.filter((n) => n.name !== node).map((n) => n.migrationAddress), ...extra])];
}

/** Every ordered pair (source, target) of distinct nodes: xl trust is one-way, migration goes both ways. */
export function migrationPairs<T extends { name: string }>(nodes: readonly T[]): [T, T][] {
  return nodes.flatMap((s) => nodes.filter((t) => t.name !== s.name).map((t): [T, T] => [s, t]));
}

/**
 * Null when every node's rendered config for a domain is byte-identical; otherwise which nodes differ from
 * the first and the first differing line, so the error says what to look at.
 */
export function configMismatch(domain: string, files: readonly { node: string; path: string; content: string }[]): string | null {
  const [first, ...rest] = files;
  if (!first) return null;
  const problems: string[] = [];
  for (const f of rest) {
    if (f.path !== first.path) problems.push(`${f.node} keeps it at ${f.path}, ${first.node} at ${first.path}`);
    if (f.content === first.content) continue;
    const a = first.content.split("\n");
    const b = f.content.split("\n");
    const i = a.findIndex((line, k) => line !== b[k]);
    const at = i < 0 ? a.length : i;
    problems.push(`${f.node} differs from ${first.node} at line ${at + 1}: ${JSON.stringify(b[at] ?? "(end of file)")} vs ${JSON.stringify(a[at] ?? "(end of file)")}`);
  }
  return problems.length === 0 ? null : `domain ${domain}: the config is not identical on every node: ${problems.join("; ")}`;
}
