/**
 * How long the lab takes to come up, go down and recover from a killed supervisor, and what one SSH
 * connection and one NFS mount cost inside it. Uses its own instance (`<XENHA_LAB>-bench`).
 *
 *   npm run build && npx tsx bench/lab-lifecycle.ts [cycles=5]
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadInventory } from "../lab/inventory";
import { labPaths, repoRoot } from "../lab/paths";
import { LabSsh } from "../test/lab/lab-ssh";
import { summary as summaryLine, timed } from "./timing";

const name = `${process.env.XENHA_LAB ?? "default"}-bench`.slice(0, 32);
const cli = path.join(repoRoot(), "build", "lab", "cli.js");
const node = path.join(repoRoot(), "node_modules", ".bin", "node");
/** Whole milliseconds: lab steps take seconds. */
const summary = (label: string, ms: number[]) => summaryLine(label, ms, 34, 0);
const lab = (...args: string[]): string => execFileSync(node, [cli, ...args], { env: { ...process.env, XENHA_LAB: name }, encoding: "utf8" });

async function main(): Promise<void> {
  const cycles = Number(process.argv[2] ?? 5);
  const up: number[] = [];
  const down: number[] = [];
  const stale: number[] = [];
  const ssh: number[] = [];
  const mount: number[] = [];
  lab("down");
  for (let i = 0; i < cycles; i++) {
    up.push(await timed(() => lab("up")));
    const inv = loadInventory(name);
    let s: LabSsh | undefined;
    ssh.push(await timed(async () => { s = await LabSsh.connect(inv.hosts.node1); }));
    const nfs = await LabSsh.connect(inv.hosts.nfs);
    await nfs.sh('printf "/data %s(rw)\\n" "$1" > /etc/exports && service nfs-kernel-server start', [inv.hosts.node1.address2]);
    mount.push(await timed(() => s?.sh('mount -t nfs "$1:/data" /data', [inv.hosts.nfs.address2])));
    s?.close();
    nfs.close();
    if (i % 2 === 1) {
      const pid = (JSON.parse(fs.readFileSync(labPaths(name).statePath, "utf8")) as { pid: number }).pid;
      process.kill(pid, "SIGKILL");
      await new Promise((r) => setTimeout(r, 100));
      stale.push(await timed(() => lab("up")));
    }
    down.push(await timed(() => lab("down")));
  }
  console.log(summary("lab:up (4 hosts, xm on node1/2)", up));
  console.log(summary("lab:down", down));
  if (stale.length) console.log(summary("lab:up after a killed supervisor", stale));
  console.log(summary("one SSH connection (node1)", ssh));
  console.log(summary("mount -t nfs on node1", mount));
}

main().catch((e: Error) => {
  console.error(e.message);
  try { lab("down"); } catch { /* already down */ }
  process.exit(1);
});
