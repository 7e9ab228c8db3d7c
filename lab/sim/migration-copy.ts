/**
 * The memory copy of a live migration, shared by xend and xl: time proportional to the domain's memory (lab
 * settings), progress sent to the target as it goes (the target shows its incoming domain's memory growing),
 * and the "source host gone" fault, which takes this host's uplinks down part way through.
 */
import { run } from "./guest";
import { readFaults, Settings, sleep } from "./host-env";
import { LineReader, writeMsg } from "./line-stream";

/** Copies the domain's memory in simulated rounds, telling the target the progress as it goes. */
export async function copyMemory(out: NodeJS.WritableStream, reader: LineReader, memoryMiB: number, s: Settings): Promise<void> {
  const total = Math.max(s.copyMinMs, memoryMiB * s.copyMsPerMiB);
  const t0 = Date.now();
  let netDown = false;
  for (;;) {
    const pct = Math.min(100, Math.round(((Date.now() - t0) / total) * 100));
    if (reader.ended) throw new Error("copy interrupted");
    writeMsg(out, { t: "progress", pct });
    const nd = readFaults().networkDownAtPercent;
    if (!netDown && nd !== undefined && pct >= nd) {
      netDown = true;
      await hostNetworkDown();
    }
    if (pct >= 100) return;
    await sleep(Math.min(50, total / 10));
  }
}

/** The fault "source host gone": every uplink of this host's namespace goes down (vifs and bridges stay). */
export async function hostNetworkDown(): Promise<void> {
  const r = await run("ip", ["-o", "link", "show"]);
  const devs = [...r.stdout.matchAll(/^\d+: ([^:@]+)[@:]/gm)].map((m) => m[1]).filter((n) => n !== "lo" && !n.startsWith("vif") && !n.startsWith("xenbr"));
  await run("ip", ["-batch", "-"], devs.map((d) => `link set ${d} down`).join("\n") + "\n");
}

