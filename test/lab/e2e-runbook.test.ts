/**
 * The runbook end to end through the offline runner, against the lab: the example stack (examples/runbook,
 * stack `lab`) converges from the runbook's starting point, a second run changes nothing ON THE HOSTS, a new
 * desired host migrates test01, destroy cleans up (leaving the running domain, and what it runs from), and no
 * credential ever reaches the state file or the output. Host facts are read over the lab's own SSH client
 * (test/lab/lab-ssh.ts), not through the library. It runs on the xm topology (relocation through xend) and on the
 * xl one (XENHA_LAB_TOOLSTACK=xl: root's SSH trust between the nodes); `mixed` has no single toolstack to test.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadInventory, type Inventory } from "../../lab/inventory";
import { LabSsh } from "./lab-ssh";

const REPO = path.resolve(__dirname, "../..");
const NODES = ["node1", "node2"] as const;
type Node = (typeof NODES)[number];

let inv: Inventory;
let ts: "xm" | "xl"; // the nodes' toolstack, which the example stack passes to the component
let ssh: Record<"nfs" | Node | "observer", LabSsh>;
let work: string;
let stateFile: string;
const outputs: string[] = []; // everything the runner printed and every state it saved, for the secrets check
let imageMd5: string;

interface RunResult {
  ok: boolean;
  errors: string[];
  steps: { name: string; type: string; op: string; phase?: "refresh"; properties?: string[] }[];
  outputs: Record<string, unknown>;
  /** The runner's exit code and what it printed (not part of its JSON result). */
  code: number;
  printed: string;
}

function runner(op: "up" | "destroy" | "preview" | "refresh", test01Host?: string, ...flags: string[]): RunResult {
  const json = path.join(work, `result-${outputs.length}.json`);
  const args = ["--require", "tsx/cjs", path.join(REPO, "provider/runner/cli.ts"), op, "--cwd", path.join(REPO, "examples", "runbook"), "--stack", "lab",
    "--state", stateFile, "--json", json, ...flags];
  if (test01Host) args.push("--config", `test01Host=${test01Host}`);
  const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: "utf8", env: { ...process.env }, timeout: 600_000 });
  outputs.push(`${r.stdout}\n${r.stderr}`);
  if (!fs.existsSync(json)) throw new Error(`the runner gave no result (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const result = { ...JSON.parse(fs.readFileSync(json, "utf8")), code: r.status ?? -1, printed: `${r.stdout}${r.stderr}` } as RunResult;
  outputs.push(fs.readFileSync(json, "utf8"));
  if (fs.existsSync(stateFile)) outputs.push(fs.readFileSync(stateFile, "utf8"));
  return result;
}

async function sh(host: keyof typeof ssh, script: string, args: string[] = []): Promise<string> {
  const r = await ssh[host].sh(script, args);
  if (r.code !== 0) throw new Error(`${host}: ${script} → exit ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

const running = async (n: Node) => (await ssh[n].sh(`${ts} list test01 >/dev/null 2>&1 && echo yes || echo no`)).stdout.trim() === "yes";
const peer = (n: Node): Node => (n === "node1" ? "node2" : "node1");
// xl: what XlMigrationTrust(peer → n) leaves on n (the authorized key) and on the peer (key, ssh_config, known_hosts)
const migrationKey = (n: Node) => `/root/.ssh/id_xen_migrate_${inv.hosts[peer(n)].address}`; // n's key for the peer
const trustFiles = (n: Node) => ["/root/.ssh/authorized_keys", "/root/.ssh/config", "/root/.ssh/known_hosts",
  migrationKey(n), "/usr/local/sbin/xen-ha-xl-migrate-receive"];
const restrictedKeys = (n: Node) =>
  sh(n, "cat /root/.ssh/authorized_keys 2>/dev/null | grep -c 'command=\"/usr/local/sbin/xen-ha-xl-migrate-receive\"' || true");
// mount id, type and source of /data (the fields after mountinfo's "-" separator)
const dataMount = (n: Node) =>
  sh(n, "awk '$5 == \"/data\" { for (i = 7; i <= NF; i++) if ($i == \"-\") { print $1, $(i + 1), $(i + 2); break } }' /proc/self/mountinfo");

/** What a no-op run must leave exactly as it was: file identities (inode and mtime), daemons, mounts. xl has no
 * daemon of its own to restart (no xend): there the SSH trust's files stand in for xend's config and pid. */
async function hostFingerprint(): Promise<Record<string, string>> {
  const stat = (host: keyof typeof ssh, file: string) => sh(host, 'stat -c "%i %Y" "$1" 2>/dev/null || echo absent', [file]);
  const fp: Record<string, string> = { exports: await stat("nfs", "/etc/exports") };
  for (const n of NODES) {
    fp[`${n} fstab`] = await stat(n, "/etc/fstab");
    fp[`${n} test01 config`] = await stat(n, "/etc/xen/test01");
    if (ts === "xm") {
      fp[`${n} xend-config`] = await stat(n, "/etc/xen/xend-config.sxp");
      fp[`${n} xend pid`] = await sh(n, "cat /var/run/xend.pid");
    } else {
      for (const f of trustFiles(n)) fp[`${n} ${f}`] = await stat(n, f);
    }
    fp[`${n} /data mount`] = await dataMount(n);
    fp[`${n} test01`] = await sh(n, `${ts} list test01 2>/dev/null | awk 'NR == 2 { print $1, $2 }'`);
  }
  return fp;
}

function simCommands(n: Node): { event: string; argv: string[] }[] {
  const file = path.join(inv.hosts[n].root, "var/log/xen/sim-commands.log");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
}

beforeAll(async () => {
  inv = loadInventory();
  const stacks = NODES.map((n) => inv.hosts[n].toolstack);
  if (stacks[0] !== stacks[1] || (stacks[0] !== "xm" && stacks[0] !== "xl")) {
    throw new Error(`the runbook e2e runs on an all-xm or all-xl lab topology, not ${stacks.join("/")}`);
  }
  ts = stacks[0];
  ssh = {
    nfs: await LabSsh.connect(inv.hosts.nfs), node1: await LabSsh.connect(inv.hosts.node1),
    node2: await LabSsh.connect(inv.hosts.node2), observer: await LabSsh.connect(inv.hosts.observer),
  };
  work = fs.mkdtempSync(path.join(os.tmpdir(), "xenha-e2e-"));
  stateFile = path.join(work, "state", "lab.json");
  // The runbook's starting point: nothing shared yet, test01's disk on node1's local /data.
  for (const n of NODES) {
    expect(await dataMount(n)).toBe("");
    expect(await running(n)).toBe(false);
  }
  await sh("node1", "mkdir -p /data && head -c 1048576 /dev/urandom > /data/test01.img && truncate -s 32M /data/test01.img");
  imageMd5 = await sh("node1", "md5sum /data/test01.img | cut -d' ' -f1");
}, 60_000);

afterAll(async () => {
  // Leave the lab as the other suites expect it: no domain, nothing mounted, no image on the share.
  for (const n of NODES) await ssh[n]?.sh(`${ts} destroy test01 >/dev/null 2>&1; true`);
  if (stateFile && fs.existsSync(stateFile)) runner("destroy");
  for (const n of NODES) await ssh[n]?.sh("grep -q ' /data ' /proc/self/mountinfo && umount /data; rm -f /data/test01.img; true");
  await ssh.nfs?.sh("rm -f /data/test01.img; true");
  for (const c of Object.values(ssh ?? {})) c.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
}, 300_000);

test("from the runbook's starting point, the stack converges: shared /data, same config, test01 on node1", async () => {
  const r = runner("up", "node1");
  expect(r.errors).toEqual([]);
  expect(r.ok).toBe(true);
  expect(await sh("nfs", "grep '^/data' /etc/exports")).toBe(
    `/data ${inv.hosts.node1.address2}(rw,sync,no_root_squash,no_subtree_check) ${inv.hosts.node2.address2}(rw,sync,no_root_squash,no_subtree_check)`,
  );
  for (const n of NODES) {
    expect(await dataMount(n)).toMatch(new RegExp(`^\\d+ fuse\\.nfs ${inv.hosts.nfs.address2}:/data$`));
    expect(await sh(n, "grep ' /data ' /etc/fstab")).toBe(`${inv.hosts.nfs.address2}:/data /data nfs hard,rw,rsize=32768,wsize=32768 0 0`);
    // the image node1 had locally is now on the share, the same bytes, seen from both nodes
    expect(await sh(n, "md5sum /data/test01.img | cut -d' ' -f1")).toBe(imageMd5);
  }
  expect(await sh("node1", "cat /etc/xen/test01")).toBe(await sh("node2", "cat /etc/xen/test01"));
  if (ts === "xm") {
    expect(await sh("node1", "grep -v '^#' /etc/xen/xend-config.sxp | grep 'xend-relocation-hosts-allow'")).toContain(inv.hosts.node2.address.replace(/\./g, "\\\\."));
  } else {
    for (const n of NODES) {
      // n admits the peer's key, restricted to migrate-receive from the peer's migration address, and n's
      // ssh_config names the peer by its migration address
      expect(await restrictedKeys(n)).toBe("1");
      expect(await sh(n, "grep 'xen-ha-xl-migrate-receive' /root/.ssh/authorized_keys")).toContain(`from="${inv.hosts[peer(n)].address}"`);
      expect(await sh(n, "grep -x \"Host $1\" /root/.ssh/config", [inv.hosts[peer(n)].address])).toBe(`Host ${inv.hosts[peer(n)].address}`);
    }
  }
  expect(await running("node1")).toBe(true);
  expect(await running("node2")).toBe(false);
  expect(r.outputs.test01Host).toBe("node1");
}, 300_000);

test("a second run changes nothing on any host: same files, same daemons, same mounts, no toolstack command", async () => {
  const before = await hostFingerprint();
  const marks = NODES.map((n) => simCommands(n).length);
  const r = runner("up", "node1");
  expect(r.ok).toBe(true);
  expect(r.steps.filter((s) => !s.type.startsWith("pulumi:pulumi:")).map((s) => s.op)).toEqual(r.steps.filter((s) => !s.type.startsWith("pulumi:pulumi:")).map(() => "same"));
  expect(await hostFingerprint()).toEqual(before);
  NODES.forEach((n, i) => {
    const changing = simCommands(n).slice(marks[i]).filter((c) => c.event === "start" && /^(create|migrate|destroy|shutdown)$/.test(c.argv[0] ?? ""));
    expect(changing).toEqual([]);
  });
}, 300_000);

test("changing the desired host migrates test01 to node2, measured from observer", async () => {
  const r = runner("up", "node2");
  expect(r.errors).toEqual([]);
  expect(r.steps.filter((s) => s.op === "update").map((s) => s.name)).toEqual(["runbook-test01-placement"]);
  expect(await running("node2")).toBe(true);
  expect(await running("node1")).toBe(false);
  const m = r.outputs.lastMigration as { from: string; to: string; kind: string; packetsSent: number | null };
  expect(m).toMatchObject({ from: "node1", to: "node2", kind: "migrate" });
  expect(m.packetsSent).toBeGreaterThan(0);
  expect((await ssh.observer.sh("ping -c 3 -i 0.2 -W 1 \"$1\"", [`${inv.network.segments[0]!.subnet.replace(/\.0$/, "")}.${inv.network.guestOctets.first}`])).code).toBe(0);
}, 300_000);

test("the GitOps loop on the hosts: a clean refresh, a file changed by hand seen by preview --refresh, repaired by up --refresh", async () => {
  // right after a converge, reading every resource back finds nothing: no output depends on what a later
  // resource (placement) did
  const clean = runner("refresh", "node2", "--expect-no-changes", "--yes");
  expect(clean.errors).toEqual([]);
  expect(clean.steps.filter((s) => s.op !== "same" && s.phase === "refresh")).toEqual([]);
  expect(clean.code).toBe(0);

  const converged = await sh("node2", "cat /etc/xen/test01");
  await sh("node2", "echo 'memory = 999' >> /etc/xen/test01");
  const seen = runner("preview", "node2", "--refresh", "--expect-no-changes");
  expect(seen.code).toBe(255);
  expect(seen.printed).toContain("no changes were expected but changes were proposed");
  const drifted = seen.steps.filter((s) => s.phase === "refresh" && s.op !== "same");
  expect(drifted.map((s) => s.name)).toEqual(["runbook-test01-node2-config"]);
  expect(drifted[0]!.properties).toContain("content");
  expect(await sh("node2", "tail -n 1 /etc/xen/test01")).toBe("memory = 999"); // a preview writes nothing

  const repaired = runner("up", "node2", "--refresh", "--yes", "--skip-preview");
  expect(repaired.errors).toEqual([]);
  expect(repaired.code).toBe(0);
  expect(repaired.steps.filter((s) => s.phase !== "refresh" && s.op === "update").map((s) => s.name)).toEqual(["runbook-test01-node2-config"]);
  expect(await sh("node2", "cat /etc/xen/test01")).toBe(converged);
  expect(await running("node2")).toBe(true); // the file changed, the running domain was left alone

  expect(runner("refresh", "node2", "--expect-no-changes", "--yes").code).toBe(0);
}, 600_000);

test("destroy removes everything but the running domain and what it runs from; once it stops, the rest goes", async () => {
  const exportsBefore = await sh("nfs", "grep -c '^/data' /etc/exports || true");
  expect(exportsBefore).toBe("1");
  const r = runner("destroy");
  // node2's share holds test01's disk while test01 runs there: that mount (and the export) must stay
  expect(r.ok).toBe(false);
  expect(r.errors.join("\n")).toMatch(/runbook-node2-mount[\s\S]*test01/);
  expect(await running("node2")).toBe(true); // left in place, as documented
  expect(await dataMount("node1")).toBe("");
  expect(await sh("node1", "grep -c ' /data ' /etc/fstab || true")).toBe("0");
  for (const n of NODES) {
    expect(await sh(n, "[ -e /etc/xen/test01 ] && echo present || echo absent")).toBe("absent");
    if (ts === "xm") expect(await sh(n, "grep -v '^#' /etc/xen/xend-config.sxp | grep -c 'xend-relocation-hosts-allow.*localhost' || true")).toBe("1");
    else {
      expect(await restrictedKeys(n)).toBe("0");
      expect(await sh(n, '[ -e "$1" ] && echo present || echo absent', [migrationKey(n)])).toBe("absent");
    }
  }
  expect(await dataMount("node2")).not.toBe("");
  expect(await sh("nfs", "grep -c '^/data' /etc/exports || true")).toBe("1");

  await sh("node2", `${ts} destroy test01`);
  const again = runner("destroy");
  expect(again.errors).toEqual([]);
  expect(await dataMount("node2")).toBe("");
  expect(await sh("node2", "grep -c ' /data ' /etc/fstab || true")).toBe("0");
  expect(await sh("nfs", "grep -c '^/data' /etc/exports || true")).toBe("0");
  expect(JSON.parse(fs.readFileSync(stateFile, "utf8")).resources).toEqual([]);
}, 300_000);

test("no private key ever appears in plaintext in any state file or output of the runs above", () => {
  const keys = [inv.privateKeyPath, ...Object.values(inv.hosts).map((h) => h.privateKeyPath)]
    .filter((p, i, all) => all.indexOf(p) === i)
    .map((p) => fs.readFileSync(p, "utf8"));
  const bodyLines = keys.flatMap((k) => k.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----")));
  expect(bodyLines.length).toBeGreaterThan(0);
  expect(outputs.length).toBeGreaterThan(10);
  for (const t of outputs) {
    expect(t).not.toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    for (const line of bodyLines) expect(t).not.toContain(line);
  }
});
