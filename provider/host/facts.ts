/**
 * Fact gathering: several probes in one exec (one round trip). Each probe is a constant script with
 * positional arguments, run in its own `sh -c` with stdin from /dev/null, so that one probe's failure, `exit`
 * or `set -e` cannot affect the others. Its stdout, stderr and exit code are framed by a random boundary
 * token chosen per call, which no probe output can predict.
 */
import { randomBytes } from "crypto";
import type { ExecOptions, RemoteHost } from "../ssh/remote-host";
import { quoteWord } from "../ssh/quote";

export interface ProbeOutput {
  stdout: string;
  stderr: string;
  code: number;
}

export interface Probe<T> {
  /** A constant shell script; user values go in args ("$1", "$2"...). */
  script: string;
  args?: string[];
  /** Pure: turns the probe's output into a fact. May throw on output it cannot make sense of. */
  parse(out: ProbeOutput): T;
}

export type Facts<P extends Record<string, Probe<unknown>>> = { [K in keyof P]: ReturnType<P[K]["parse"]> };

/** The single script that runs every probe in order and frames each one's output. */
export function renderFactScript(boundary: string, probes: ReadonlyArray<Pick<Probe<unknown>, "script" | "args">>): string {
  const lines = probes.map((p, i) => {
    const cmd = ["sh", "-c", p.script, "sh", ...(p.args ?? [])].map(quoteWord).join(" ");
    return `printf '%s\\n' '${boundary} begin ${i}'; printf '%s\\n' '${boundary} begin ${i}' >&2; ` +
      `${cmd} </dev/null; rc=$?; ` +
      `printf '\\n%s %s\\n' '${boundary} end ${i}' "$rc"; printf '\\n%s\\n' '${boundary} end ${i}' >&2`;
  });
  return lines.join("\n");
}

export class FactError extends Error {
  constructor(host: string, probe: string, why: string) {
    super(`fact "${probe}" on ${host}: ${why}`);
    this.name = "FactError";
  }
}

/** Splits the framed output back into each probe's stdout, stderr and exit code. Pure. */
export function splitFactOutput(boundary: string, count: number, stdout: string, stderr: string):
  Array<ProbeOutput | undefined> {
  const out: Array<ProbeOutput | undefined> = [];
  for (let i = 0; i < count; i++) {
    const begin = `${boundary} begin ${i}\n`;
    const so = between(stdout, begin, new RegExp(`\\n${escape(boundary)} end ${i} (-?\\d+)\\n`));
    const se = between(stderr, begin, new RegExp(`\\n${escape(boundary)} end ${i}\\n`));
    if (!so) {
      out.push(undefined);
      continue;
    }
    out.push({ stdout: so.body, stderr: se ? se.body : "", code: Number(so.match[1]) });
  }
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function between(text: string, begin: string, end: RegExp): { body: string; match: RegExpExecArray } | undefined {
  const b = text.indexOf(begin);
  if (b === -1) return undefined;
  const rest = text.slice(b + begin.length);
  const m = end.exec(rest);
  if (!m) return undefined;
  return { body: rest.slice(0, m.index), match: m };
}

export async function gatherFacts<P extends Record<string, Probe<unknown>>>(
  h: RemoteHost,
  probes: P,
  opts: Pick<ExecOptions, "timeoutMs"> = {},
): Promise<Facts<P>> {
  const names = Object.keys(probes);
  const boundary = `XENHA-FACT-${randomBytes(12).toString("hex")}`;
  const list = names.map((n) => probes[n]);
  const r = await h.exec(["sh", "-c", renderFactScript(boundary, list)], opts);
  const outputs = splitFactOutput(boundary, names.length, r.stdout, r.stderr);
  const facts: Record<string, unknown> = {};
  names.forEach((name, i) => {
    const o = outputs[i];
    if (!o) {
      throw new FactError(h.label, name, `the probe did not finish (fact script exit code ${r.code}; ` +
        `stderr: ${r.stderr.slice(-500).trim() || "empty"})`);
    }
    try {
      facts[name] = list[i].parse(o);
    } catch (e) {
      throw new FactError(h.label, name, `cannot understand its output (exit code ${o.code}): ` +
        `${(e as Error).message}\nstdout: ${o.stdout.slice(0, 500)}\nstderr: ${o.stderr.slice(-500)}`);
    }
  });
  return facts as Facts<P>;
}
