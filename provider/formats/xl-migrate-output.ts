/**
 * What `xl migrate` printed, classified (xen-samples/outputs/xl-transcripts.xen-4.17.txt). xl interleaves
 * its own messages, the target's (`migration target: …`, relayed over ssh), libxc's (`xc: …`) and libxl's
 * (`libxl: error: …`). Success ends with `Migration successful.`; the ssh transport's own failures appear
 * as `ssh: …` lines followed by `migration transport process [N] exited with error status 255`.
 */
import { MigrateFailure } from "./xm-migrate-error";

export type XlMigrateErrorKind =
  | "ssh-refused" // nothing listens on the target's ssh port
  | "ssh-unreachable" // unknown host name, no route, timeout
  | "ssh-auth" // the source's root may not log in to the target
  | "ssh-host-key" // the target's host key is unknown to or differs from the source's known_hosts
  | "target-no-xl" // the target has no xl (ssh worked, migrate-receive could not start)
  | "target-create-failed" // the target could not build the domain (disk, bridge, memory…)
  | "no-logdirty" // hypervisor built without shadow paging: PV live migration impossible
  | "suspend-failed" // the source could not suspend the domain
  | "resumed-at-sender" // failed after the copy started; xl resumed the domain at the source
  | "handshake-failed" // failed during the final handshake: either end may hold the domain
  | "transport-failed" // the ssh transport died for another reason
  | "no-such-domain"
  | "bad-option"
  | "unknown";

const SUMMARIES: Record<XlMigrateErrorKind, string> = {
  "ssh-refused": "the source could not ssh to the target: connection refused (sshd down or another port)",
  "ssh-unreachable": "the source could not reach the target over ssh (unknown name, no route or timeout)",
  "ssh-auth": "the source's root is not allowed to ssh to the target (set up the migration ssh trust)",
  "ssh-host-key": "the source does not trust the target's ssh host key (known_hosts missing or different)",
  "target-no-xl": "the target has no xl to receive the domain",
  "target-create-failed": "the target could not create the domain (a disk, bridge or memory missing there)",
  "no-logdirty": "this hypervisor cannot track dirty pages (built without shadow paging): live migration of PV domains fails",
  "suspend-failed": "the source could not suspend the domain",
  "resumed-at-sender": "the migration failed and xl resumed the domain on the source",
  "handshake-failed": "the migration failed during its final handshake: the domain may be on either host",
  "transport-failed": "the migration stream over ssh broke (the target's end died or the connection dropped)",
  "no-such-domain": "the source has no domain of that name",
  "bad-option": "xl rejected an option",
  unknown: "xl migrate failed",
};

const RULES: [RegExp, XlMigrateErrorKind][] = [
  [/invalid domain identifier/, "no-such-domain"],
  [/^option `.' not supported|unrecognized option|invalid option/m, "bad-option"],
  [/final handshake/i, "handshake-failed"],
  [/^ssh: connect to host .*Connection refused/m, "ssh-refused"],
  [/^ssh: (Could not resolve hostname|connect to host .*(No route to host|timed out|Network is unreachable))/m, "ssh-unreachable"],
  [/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/, "ssh-host-key"],
  [/Permission denied \(|Too many authentication failures/, "ssh-auth"],
  [/xl: (command )?not found|xl: No such file or directory/, "target-no-xl"],
  [/Failed to enable logdirty/, "no-logdirty"],
  [/migration target: Domain creation failed|cannot \(re-\)build domain/, "target-create-failed"],
  // The stream broke under the sender while it wrote (the target's end died): libxl then reports the
  // suspend as failed too, but the cause is the transport.
  [/Failed to write .*migration stream|\(32 = Broken pipe\)/, "transport-failed"],
  [/failed to suspend at sender|libxl_domain_suspend failed/, "suspend-failed"],
  [/resuming at sender/, "resumed-at-sender"],
  [/migration transport process \[\d+\] exited with error status/, "transport-failed"],
];

/** The lines worth showing: errors and the transport's verdict, without libxc's info chatter. */
function decisiveLines(output: string): string {
  const keep = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(
      (l) =>
        /^ssh: |error|failed|Failed|not supported|invalid|denied|verification|not found|^Migration /.test(l) &&
        !/^xc: info/.test(l),
    );
  return keep.slice(-6).join("\n");
}

export function xlMigrateSucceeded(output: string): boolean {
  return /^Migration successful\.\s*$/m.test(output);
}

/**
 * Classifies `xl migrate` output. Returns null when xl reported success (`Migration successful.` and exit
 * 0); the caller still verifies where the domain runs.
 */
export function classifyXlMigrate(output: string, exitCode: number): MigrateFailure<XlMigrateErrorKind> | null {
  if (exitCode === 0 && xlMigrateSucceeded(output)) return null;
  const kind = RULES.find(([re]) => re.test(output))?.[1] ?? "unknown";
  return { kind, summary: SUMMARIES[kind], detail: decisiveLines(output) || `exit code ${exitCode} with no message` };
}
