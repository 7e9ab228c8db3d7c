/**
 * What `xm migrate` printed, classified. Success prints nothing and exits 0; a failure prints
 * `Error: <msg>` followed by the usage text and exits 1 (xen-samples/outputs/xm-migrate-failure-*.txt,
 * runbook.md). Errors raised on the target come back suffixed ` (from <dst>)`.
 */

export type XmMigrateErrorKind =
  | "connection-refused" // relocation server off, wrong port, or nothing listening
  | "unreachable" // no route, timeout, unknown host name
  | "rejected-by-target" // the target accepted the TCP connection, then closed it: hosts-allow
  | "target-error" // the target's xend raised (message ends with "(from HOST)")
  | "domain-not-running"
  | "no-such-domain"
  | "privileged-domain"
  | "xend-down" // xend not running on the source
  | "save-failed" // the source could not save the domain's state (xc_save)
  | "unknown";

/** A failed migration as either toolstack's classifier reports it. */
export interface MigrateFailure<K extends string = string> {
  kind: K;
  /** one sentence for an operator: what it means */
  summary: string;
  /** the toolstack's own words (the `Error:` line, or the decisive lines) */
  detail: string;
  /** for target-error: the host named in "(from HOST)" */
  fromHost?: string;
}

const SUMMARIES: Record<XmMigrateErrorKind, string> = {
  "connection-refused":
    "the target refused the connection: its xend relocation server is off, listens on another port or address, or xend is down",
  unreachable: "the target's relocation address could not be reached",
  "rejected-by-target":
    "the target accepted the connection and then closed it: its xend-relocation-hosts-allow does not admit this host",
  "target-error": "the target's xend refused or failed to receive the domain",
  "domain-not-running": "the domain is not running on the source",
  "no-such-domain": "the source has no domain of that name",
  "privileged-domain": "Domain-0 cannot be migrated",
  "xend-down": "xend is not running on the source",
  "save-failed":
    "the source could not save and send the domain's state (xc_save failed: the stream to the target broke, or saving failed on the source)",
  unknown: "xm migrate failed",
};

/** The `Error: …` line (xm prints it before the usage text), or the first non-empty line. */
export function xmErrorLine(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.trim());
  const err = lines.find((l) => l.startsWith("Error:"));
  if (err) return err.slice("Error:".length).trim();
  return lines.find((l) => l !== "") ?? "";
}

function xmKind(msg: string): XmMigrateErrorKind {
  if (/Unable to connect to xend/i.test(msg)) return "xend-down";
  if (/Domain '.*' does not exist|Domain .* does not exist/.test(msg)) return "no-such-domain";
  if (/Cannot migrate privileged domain/i.test(msg)) return "privileged-domain";
  if (/Domain is not running/i.test(msg)) return "domain-not-running";
  if (/\(from [^()]+\)\s*$/.test(msg)) return "target-error";
  if (/Connection refused|\b111\b/.test(msg)) return "connection-refused";
  if (/Broken pipe|Connection reset by peer|\b(32|104)\b.*(pipe|reset)/i.test(msg)) return "rejected-by-target";
  if (/No route to host|timed out|Network is unreachable|Name or service not known|getaddrinfo|gaierror/i.test(msg))
    return "unreachable";
  if (/xc_save|xc_domain_save|save failed/i.test(msg)) return "save-failed";
  return "unknown";
}

/**
 * Classifies a failed `xm migrate` from its combined stdout and stderr. Returns null when the output holds
 * no error at all (xm's success is silent): the caller still has to verify where the domain runs.
 */
export function classifyXmMigrate(output: string, exitCode: number): MigrateFailure<XmMigrateErrorKind> | null {
  const msg = xmErrorLine(output);
  if (exitCode === 0 && !/^Error:/m.test(output)) return null;
  const kind = xmKind(msg);
  const from = /\(from ([^()]+)\)\s*$/.exec(msg);
  return {
    kind,
    summary: SUMMARIES[kind],
    detail: msg || `exit code ${exitCode} with no message`,
    ...(from ? { fromHost: from[1] } : {}),
  };
}
