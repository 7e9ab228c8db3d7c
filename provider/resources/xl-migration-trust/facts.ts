/**
 * What the xl migration trust needs to know, one round trip per host (two on the target: sshd says which
 * authorized_keys file it reads, then that file is read). Scripts are constants; user values are positional
 * arguments. Parsers are pure.
 */
import type { Probe, ProbeOutput } from "../../host/facts";
import { fileProbe } from "../../host/file-probe";
import { parsePublicKey, type PublicKey } from "./ssh-files";

/** The source's own address on its route to `target` (resolving a name first). */
export const routeSourceProbe = (target: string): Probe<string | null> => ({
  script: `PATH=$PATH:/sbin:/usr/sbin
a=$1
case "$a" in *[!0-9.:]*) a=$(getent hosts "$a" | awk '{print $1; exit}') ;; esac
[ -n "$a" ] || exit 3
ip -o route get "$a" 2>/dev/null | sed -n 's/.* src \\([^ ]*\\).*/\\1/p'`,
  args: [target],
  parse: (o: ProbeOutput) => {
    const a = o.stdout.trim().split("\n")[0];
    return o.code === 0 && a ? a : null;
  },
});

/** OpenSSH version of the host's ssh/sshd package, e.g. [9, 2]; null when unknown. */
export const opensshVersionProbe: Probe<[number, number] | null> = {
  script: "ssh -V 2>&1",
  parse: (o: ProbeOutput) => {
    const m = /OpenSSH_(\d+)\.(\d+)/.exec(o.stdout + o.stderr);
    return m ? [Number(m[1]), Number(m[2])] : null;
  },
};

/** The AuthorizedKeysFile entries sshd uses for root (`sshd -T`, or sshd_config, or OpenSSH's default). */
export const authorizedKeysFilesProbe: Probe<string[]> = {
  script: `PATH=$PATH:/sbin:/usr/sbin
if out=$(sshd -T -C user=root,host=localhost,addr=127.0.0.1 2>/dev/null) && [ -n "$out" ]; then
  printf '%s\\n' "$out" | awk 'tolower($1) == "authorizedkeysfile" { $1 = ""; print; exit }'
  exit 0
fi
awk 'tolower($1) == "authorizedkeysfile" { $1 = ""; print; exit }' /etc/ssh/sshd_config 2>/dev/null`,
  parse: (o: ProbeOutput) => {
    const words = o.stdout.trim().split(/\s+/).filter((w) => w !== "" && w.toLowerCase() !== "none");
    return words.length ? words : [".ssh/authorized_keys", ".ssh/authorized_keys2"];
  },
};

/** The host's public host keys (what its sshd presents). */
export const hostKeysProbe: Probe<PublicKey[]> = {
  script: "for f in /etc/ssh/ssh_host_*_key.pub; do [ -r \"$f\" ] && head -n 1 -- \"$f\"; done; exit 0",
  parse: (o: ProbeOutput) => o.stdout.split("\n").map((l) => parsePublicKey(l)).filter((k): k is PublicKey => k !== null),
};

export const xlPresentProbe: Probe<boolean> = {
  script: "PATH=$PATH:/sbin:/usr/sbin; command -v xl >/dev/null 2>&1",
  parse: (o: ProbeOutput) => o.code === 0,
};

export interface SourceFacts {
  publicKey: string | null;
  routeSource: string | null;
  knownHosts: string | null;
  sshConfig: string | null;
}

export function sourceProbes(keyPath: string, target: string) {
  return {
    publicKey: fileProbe(`${keyPath}.pub`),
    routeSource: routeSourceProbe(target),
    knownHosts: fileProbe("/root/.ssh/known_hosts"),
    sshConfig: fileProbe("/root/.ssh/config"),
  };
}

export interface TargetFacts {
  hostKeys: PublicKey[];
  authorizedKeysFiles: string[];
  openssh: [number, number] | null;
  wrapper: string | null;
  xl: boolean;
}

export function targetProbes(wrapperPath: string) {
  return {
    hostKeys: hostKeysProbe,
    authorizedKeysFiles: authorizedKeysFilesProbe,
    openssh: opensshVersionProbe,
    wrapper: fileProbe(wrapperPath),
    xl: xlPresentProbe,
  };
}

/** root's authorized_keys file: ~/.ssh/authorized_keys when sshd reads it, else the first entry (%u, %h, %% expanded). */
export function chooseAuthorizedKeysFile(entries: readonly string[]): string {
  const expand = (e: string) => {
    const x = e.split("%%").map((part) => part.replace(/%u/g, "root").replace(/%h/g, "/root")).join("%");
    return x.startsWith("/") ? x : `/root/${x}`;
  };
  const all = entries.map(expand);
  return all.find((p) => p === "/root/.ssh/authorized_keys") ?? all[0];
}
