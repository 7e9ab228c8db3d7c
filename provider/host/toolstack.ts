/**
 * Which Xen toolstack manages a host, decided by what is installed (not by what answers right now, so a host
 * whose xend is stopped is still an xm host: the config resources write xend's files whether or not it runs).
 */
import type { Probe, ProbeOutput } from "./facts";

export type InstalledToolstack = "xm" | "xl" | "none";

/** xend's presence decides: Xen 4.0/4.1 hosts ship xl too, but run xend; Xen ≥ 4.5 has no xend. */
export const toolstackProbe: Probe<InstalledToolstack> = {
  script: `PATH=$PATH:/sbin:/usr/sbin
if [ -e /etc/init.d/xend ] || command -v xend >/dev/null 2>&1; then echo xm
elif command -v xl >/dev/null 2>&1; then echo xl
else echo none; fi`,
  parse: (o: ProbeOutput) => {
    const t = o.stdout.trim();
    if (t === "xm" || t === "xl" || t === "none") return t;
    throw new Error(`unexpected output ${JSON.stringify(o.stdout)}`);
  },
};
