/**
 * XenHaCluster's own check of its inputs, run in its constructor before any child is registered, so that a
 * bad value is reported with the component's field path (`nodes[0].migrationAddress`) and before any child
 * resource dials a host (under `up --skip-preview` the children's checks come one by one, after others have
 * already run). Values that are still Outputs are left to the children's checks. Pure.
 */
import * as pulumi from "@pulumi/pulumi";
import { absolutePath } from "../core/absolute-path";
import { domainName } from "../core/fields/domain-name";
import { hostOrAddress } from "../core/fields/network";
import type { z } from "zod";

interface ArgsShape {
  toolstack?: unknown;
  nfs?: { address?: unknown; path?: unknown };
  nodes?: readonly { name?: unknown; migrationAddress?: unknown; storageAddress?: unknown }[];
  domains?: readonly { config?: { name?: unknown }; desiredHost?: unknown }[];
}

const address = hostOrAddress("an address (one host: the export is open to the nodes only)");
const exportPath = absolutePath("the exported directory");
const domain = domainName();
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function known(v: unknown): boolean {
  return v !== undefined && !pulumi.Output.isInstance(v) && !(v instanceof Promise);
}

function issue(schema: z.ZodType, v: unknown): string | null {
  const r = schema.safeParse(v);
  return r.success ? null : r.error.issues[0]!.message;
}

/** Every problem found, as "path: reason". */
export function clusterArgProblems(args: ArgsShape): string[] {
  const out: string[] = [];
  const check = (path: string, schema: z.ZodType, v: unknown) => {
    if (!known(v)) return;
    const why = issue(schema, v);
    if (why) out.push(`${path}: ${why}`);
  };
  if (args.toolstack !== "xm" && args.toolstack !== "xl") out.push(`toolstack: must be "xm" or "xl", got ${JSON.stringify(args.toolstack)}`);
  check("nfs.address", address, args.nfs?.address);
  check("nfs.path", exportPath, args.nfs?.path);
  const nodes = args.nodes ?? [];
  if (!Array.isArray(nodes) || nodes.length < 2) out.push("nodes: needs at least two nodes (live migration moves a domain between two)");
  const names = new Set<string>();
  (Array.isArray(nodes) ? nodes : []).forEach((n, i) => {
    if (typeof n.name !== "string" || !NODE_NAME.test(n.name)) {
      out.push(`nodes[${i}].name: must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit, got ${JSON.stringify(n.name)}`);
    } else if (names.has(n.name)) {
      out.push(`nodes[${i}].name: ${n.name} is given twice`);
    } else {
      names.add(n.name);
    }
    check(`nodes[${i}].migrationAddress`, address, n.migrationAddress);
    check(`nodes[${i}].storageAddress`, address, n.storageAddress);
  });
  const domains = new Set<string>();
  (args.domains ?? []).forEach((d, j) => {
    const name = d.config?.name;
    check(`domains[${j}].config.name`, domain, name);
    if (typeof name === "string") {
      if (domains.has(name)) out.push(`domains[${j}].config.name: ${name} is given twice`);
      domains.add(name);
    }
    if (known(d.desiredHost) && !(typeof d.desiredHost === "string" && names.has(d.desiredHost))) {
      out.push(`domains[${j}].desiredHost: must be one of the nodes' names (${[...names].join(", ")}), got ${JSON.stringify(d.desiredHost)}`);
    }
  });
  return out;
}

export function checkClusterArgs(name: string, args: ArgsShape): void {
  const problems = clusterArgProblems(args);
  if (problems.length > 0) throw new Error(`XenHaCluster ${name}: invalid inputs (nothing was registered):\n  ${problems.join("\n  ")}`);
}
