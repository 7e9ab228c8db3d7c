/**
 * What an NFS mount option list may say, from nfs(5) and mount(8): typed values for the options that take one,
 * and no contradictions. mount.nfs takes `rw,ro` or `hard,soft` silently (the last one wins), so a list like
 * that mounts one way while fstab reads the other; a non-numeric `rsize=` fails only at mount time, after
 * other hosts were changed. Both are refused here, before any host is touched. Pure.
 */

// nfs(5): options that take a whole number (seconds, tenths of seconds, bytes, counts, ports)
const NUMERIC = ["rsize", "wsize", "timeo", "retrans", "acregmin", "acregmax", "acdirmin", "acdirmax", "actimeo", "retry", "port", "mountport", "nconnect", "namlen", "mountvers", "nfsvers", "vers"];
const ENUMS: Record<string, readonly string[]> = {
  vers: ["2", "3", "4", "4.0", "4.1", "4.2"],
  nfsvers: ["2", "3", "4", "4.0", "4.1", "4.2"],
  proto: ["tcp", "udp", "rdma", "tcp6", "udp6", "rdma6"],
  mountproto: ["tcp", "udp", "tcp6", "udp6"],
  lookupcache: ["all", "none", "pos", "positive"],
  local_lock: ["all", "flock", "posix", "none"],
  xprtsec: ["none", "tls", "mtls"],
};
const SEC_FLAVOURS = ["none", "sys", "krb5", "krb5i", "krb5p", "lkey", "lkeyi", "lkeyp", "spkm", "spkmi", "spkmp"];

// pairs where the second undoes the first (mount(8) and nfs(5)); both in one list is a contradiction
const OPPOSITES: [string, string][] = [
  ["rw", "ro"], ["hard", "soft"], ["suid", "nosuid"], ["exec", "noexec"], ["dev", "nodev"], ["auto", "noauto"],
  ["lock", "nolock"], ["cto", "nocto"], ["ac", "noac"], ["sharecache", "nosharecache"], ["resvport", "noresvport"],
  ["acl", "noacl"], ["rdirplus", "nordirplus"], ["intr", "nointr"], ["atime", "noatime"], ["diratime", "nodiratime"],
  ["user", "nouser"], ["sync", "async"], ["fg", "bg"], ["hard", "softerr"],
];

/** Every problem with the list, as [index, message]; empty when it says one thing. */
export function mountOptionProblems(options: readonly string[]): [number, string][] {
  const out: [number, string][] = [];
  const seen = new Map<string, { index: number; value: string | undefined }>();
  options.forEach((o, i) => {
    const eq = o.indexOf("=");
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? undefined : o.slice(eq + 1);
    if (value !== undefined && NUMERIC.includes(key) && !ENUMS[key] && !/^[0-9]+$/.test(value)) {
      out.push([i, `${key}= takes a whole number (nfs(5)), got ${JSON.stringify(value)}`]);
    }
    if (value !== undefined && ENUMS[key] && !ENUMS[key].includes(value)) {
      out.push([i, `${key}= must be one of ${ENUMS[key].join(", ")} (nfs(5)), got ${JSON.stringify(value)}`]);
    }
    if (key === "sec" && (value === undefined || value.split(":").some((f) => !SEC_FLAVOURS.includes(f)))) {
      out.push([i, `sec= takes security flavours separated by ':' (${SEC_FLAVOURS.join(", ")}; nfs(5)), got ${JSON.stringify(value ?? "")}`]);
    }
    if (value === undefined && (NUMERIC.includes(key) || ENUMS[key]) && !["vers", "nfsvers"].includes(key)) {
      out.push([i, `${key} needs a value (${key}=...; nfs(5))`]);
    }
    const before = seen.get(key);
    if (before && before.value !== value) {
      out.push([i, `${key} is given twice with different values (item ${before.index}: ${options[before.index]}); mount.nfs would take the last one silently`]);
    }
    if (!before) seen.set(key, { index: i, value });
  });
  for (const [a, b] of OPPOSITES) {
    const ia = options.indexOf(a);
    const ib = options.indexOf(b);
    if (ia >= 0 && ib >= 0) out.push([Math.max(ia, ib), `${a} and ${b} contradict each other (mount.nfs would take the last one silently); keep one`]);
  }
  return out.sort((x, y) => x[0] - y[0]);
}
