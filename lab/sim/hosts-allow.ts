/**
 * xend-relocation-hosts-allow as xend applies it (relocate.py + web/connection.py hostAllowed): '' allows
 * everyone; otherwise the value is split on single spaces (so a double space yields an empty pattern, which
 * matches everything), each piece is a Python regex matched with re.match (anchored at the start only)
 * against the client's FQDN and against its IP address string.
 */
export type HostsAllow = null | RegExp[];

export function compileHostsAllow(value: string): HostsAllow {
  if (value === "") return null;
  return value.split(" ").map((p) => new RegExp("^(?:" + pyRegexToJs(p) + ")"));
}

export function hostAllowed(allow: HostsAllow, ip: string, fqdn: string): boolean {
  if (allow === null) return true;
  return allow.some((re) => re.test(fqdn) || re.test(ip));
}

/** Python re syntax differs from JS in a few spellings that appear in real configs. */
function pyRegexToJs(p: string): string {
  return p.replace(/\\A/g, "^").replace(/\\Z/g, "$").replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>");
}

/**
 * socket.getfqdn(ip) as seen on a lab host: the /etc/hosts line for the address, first name containing a
 * dot, else its first name; the address itself when no line names it (the lab has no DNS).
 */
export function fqdnFromHosts(hostsFile: string, ip: string): string {
  for (const raw of hostsFile.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const [addr, ...names] = line.split(/\s+/);
    if (addr !== ip || names.length === 0) continue;
    return names.find((n) => n.includes(".")) ?? names[0];
  }
  return ip;
}
