/**
 * What the SSH layer costs against a lab host: the first connect (dial, handshake, auth), a command on the
 * pooled connection (sequential and 10/30 in parallel), a fresh connection per command for comparison (what
 * @pulumi/command does), writeFileAtomic of small and 8 MiB files, one gatherFacts of 8 probes, and this
 * process's memory afterwards.
 *
 *   XENHA_LAB=<name> npx tsx bench/ssh-pool.ts [n=50]
 */
import { gatherFacts } from "../provider/host/facts";
import { writeFileAtomic } from "../provider/host/write-file";
import { closeAll, connect } from "../provider/ssh/pool";
import { loadInventory, toConnection } from "../lab/inventory";
import { summary, timed } from "./timing";

const n = Number(process.argv[2] ?? 50);

async function main(): Promise<void> {
  const inv = loadInventory();
  const conn = toConnection(inv.hosts.node1);
  const first = await timed(() => connect(conn));
  console.log(summary("first connect", [first]));
  const h = await connect(conn);

  const seq: number[] = [];
  for (let i = 0; i < n; i++) seq.push(await timed(() => h.run(["true"])));
  console.log(summary("command, pooled", seq));

  for (const par of [10, 30]) {
    const batch: number[] = [];
    for (let i = 0; i < Math.max(3, n / 10); i++) {
      batch.push(await timed(() => Promise.all(Array.from({ length: par }, () => h.run(["true"])))));
    }
    console.log(summary(`${par} commands in parallel, pooled`, batch));
  }

  const fresh: number[] = [];
  for (let i = 0; i < Math.min(n, 20); i++) {
    fresh.push(await timed(async () => {
      await closeAll();
      await (await connect(conn)).run(["true"]);
    }));
  }
  console.log(summary("fresh connection per command", fresh));

  const small: number[] = [];
  for (let i = 0; i < Math.min(n, 20); i++) small.push(await timed(() => writeFileAtomic(h, "/root/bench.conf", `v${i}\n`, { backup: false })));
  console.log(summary("writeFileAtomic 4 bytes", small));
  const big = Buffer.alloc(8 * 1024 * 1024, 0x61);
  const large: number[] = [];
  for (let i = 0; i < 5; i++) {
    big[0] = 0x30 + i;
    large.push(await timed(() => writeFileAtomic(h, "/root/bench.bin", big, { backup: false })));
  }
  console.log(summary("writeFileAtomic 8 MiB", large));

  const probes = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`p${i}`, {
    script: 'cat /proc/loadavg; echo "$1"', args: [String(i)], parse: (o: { stdout: string }) => o.stdout,
  }]));
  const facts: number[] = [];
  for (let i = 0; i < Math.min(n, 20); i++) facts.push(await timed(() => gatherFacts(h, probes)));
  console.log(summary("gatherFacts, 8 probes", facts));

  await h.run(["rm", "-f", "/root/bench.conf", "/root/bench.bin"]);
  await closeAll();
  const mem = process.memoryUsage();
  console.log(`memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
