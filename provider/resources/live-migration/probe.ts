/**
 * The ping probe: `ping -D` runs on the probe host as a background process for the whole migration (started
 * before the migrate command, stopped after verification), writing to a file there; stopping it with SIGINT
 * makes ping print its statistics, and the file comes back to be parsed (formats/ping.ts). The process has its
 * own deadline (`-w`), so a provider that dies mid-migration does not leave it pinging forever.
 */
import { parsePing, type PingReport } from "../../formats/ping";
import type { RemoteHost } from "../../ssh/remote-host";

const START_SCRIPT = `PATH=$PATH:/bin:/usr/bin:/sbin:/usr/sbin; export PATH
command -v ping >/dev/null 2>&1 || { echo "ping is not installed on this host" >&2; exit 127; }
f=$(mktemp /tmp/xenha-ping.XXXXXX) || exit 1
nohup ping -D -n -i "$2" -w "$3" "$1" >"$f" 2>&1 </dev/null &
echo "$! $f"`;

const STOP_SCRIPT = `case $1 in *[!0-9]*|'') echo "bad pid" >&2; exit 2;; esac
case $2 in /tmp/xenha-ping.*) ;; *) echo "bad file" >&2; exit 2;; esac
kill -INT "$1" 2>/dev/null
i=0
while kill -0 "$1" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done
kill -9 "$1" 2>/dev/null
cat -- "$2"
rm -f -- "$2"`;

export interface RunningProbe {
  stop(): Promise<PingReport & { raw: string }>;
}

export async function startPingProbe(
  host: RemoteHost,
  address: string,
  intervalSeconds: number,
  maxSeconds: number,
): Promise<RunningProbe> {
  const r = await host.script(START_SCRIPT, [address, String(intervalSeconds), String(Math.ceil(maxSeconds))], { timeoutMs: 20_000 });
  const m = /^(\d+) (\/tmp\/xenha-ping\.\S+)$/m.exec(r.stdout);
  if (r.code !== 0 || !m) {
    throw new Error(`could not start ping on ${host.label}: exit ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  }
  const [, pid, file] = m;
  return {
    async stop() {
      const out = await host.script(STOP_SCRIPT, [pid, file], { timeoutMs: 20_000 });
      if (out.code !== 0) throw new Error(`could not collect the ping output on ${host.label}: ${out.stderr.trim()}`);
      return { ...parsePing(out.stdout), raw: out.stdout };
    },
  };
}
