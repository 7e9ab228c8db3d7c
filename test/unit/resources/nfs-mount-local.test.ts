/**
 * The NfsMount shell scripts run for real on this machine (as root, each in a private mount namespace made by
 * unshare, so nothing leaks): the mount-point probe against a mount that never answers, and the carry script
 * with bind mounts standing in for the NFS mount. Needs unshare, /dev/fuse and python3-fusepy (installed by
 * lab/install-packages.sh).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CARRY_EXIT, CARRY_SCRIPT } from "../../../provider/resources/nfs-mount/carry-script";
import { mountPointProbe } from "../../../provider/resources/nfs-mount/facts";
import { planMount } from "../../../provider/resources/nfs-mount/plan";
import { nfsMountInputsSchema } from "../../../provider/resources/nfs-mount/schema";
import { parseMountInfo } from "../../../provider/formats/mountinfo";

jest.setTimeout(60_000);

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const DEAD_FS = join(__dirname, "../../fixtures/mountinfo/dead-nfs-fuse.py");

/** Runs `script` as root in a new private mount namespace. */
function inPrivateNamespace(script: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script], { encoding: "utf8", timeout: 50_000 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe("mount point probe on a mount that never answers", () => {
  it("reports it as not responding instead of hanging, and the plan refuses to touch it", () => {
    const mp = mkdtempSync(join(tmpdir(), "xenha-dead-"));
    const p = mountPointProbe(mp, 1);
    // Mount the dead filesystem, run the probe, then kill the daemon: the requests that were stuck in it fail
    // and their processes exit, so nothing is left behind.
    const r = inPrivateNamespace(`/usr/bin/python3 ${q(DEAD_FS)} ${q(mp)} & f=$!
n=0; while ! grep -q " $1 " /proc/self/mountinfo && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
sh -c ${q(p.script)} sh ${p.args!.map(q).join(" ")}
echo "--- mountinfo"
cat /proc/self/mountinfo
kill -9 $f; wait $f 2>/dev/null; true`.replace("$1", mp));
    const [probeOut, mountinfo] = r.stdout.split("--- mountinfo\n");
    const fact = p.parse({ stdout: probeOut, stderr: "", code: 0 });
    expect(fact).toEqual({ kind: "timeout", responding: false, entries: null, listingIncomplete: false });
    const mounts = parseMountInfo(mountinfo);
    const plan = planMount(
      nfsMountInputsSchema.parse({
        connection: { host: "h", insecureIgnoreHostKey: true },
        server: "10.10.10.30",
        exportPath: "/data",
        mountPoint: mp,
        probeTimeoutSeconds: 1,
      }),
      { fstab: "", mounts, mountPoint: fact },
    );
    expect(plan.steps).toEqual([]);
    expect(plan.errors.join("\n")).toContain("is not responding");
  });
});

describe("carry script (bind mounts standing in for the NFS mount)", () => {
  function setup() {
    const dir = mkdtempSync(join(tmpdir(), "xenha-carry-"));
    const mp = join(dir, "data");
    const share = join(dir, "share");
    mkdirSync(mp);
    mkdirSync(share);
    return { dir, mp, share };
  }
  const carry = (mp: string, source: string, extra = "") =>
    inPrivateNamespace(`sh -c ${q(CARRY_SCRIPT)} sh ${q(mp)} ${q(source)} none bind 10; echo "rc=$?"; ${extra}`);

  it("moves the content onto the share, keeping identical files, with nothing left aside", () => {
    const { dir, mp, share } = setup();
    writeFileSync(join(mp, "test01.img"), Buffer.alloc(300_000, 7));
    mkdirSync(join(mp, "iso"), { mode: 0o750 });
    writeFileSync(join(mp, "iso", "a.iso"), "iso");
    writeFileSync(join(mp, "same.txt"), "same");
    writeFileSync(join(share, "same.txt"), "same");
    writeFileSync(join(share, "other"), "already there");
    symlinkSync("test01.img", join(mp, "current"));
    const r = carry(mp, share, `ls -A ${q(mp)}`);
    expect(r.stdout).toContain("carried 3 files, sizes and MD5 checksums verified\nrc=0\n");
    // Seen through the mount inside the namespace: the share with everything.
    expect(r.stdout.split("rc=0\n")[1].split("\n").filter(Boolean).sort()).toEqual(["current", "iso", "other", "same.txt", "test01.img"]);
    expect(readFileSync(join(share, "test01.img"))).toEqual(Buffer.alloc(300_000, 7));
    expect(readFileSync(join(share, "iso", "a.iso"), "utf8")).toBe("iso");
    expect(readdirSync(dir).sort()).toEqual(["data", "share"]);
    expect(readdirSync(mp)).toEqual([]);
  });

  it("stops on a conflict without losing either file, and unmounts", () => {
    const { dir, mp, share } = setup();
    writeFileSync(join(mp, "test01.img"), "local image");
    writeFileSync(join(mp, "b"), "b");
    writeFileSync(join(share, "test01.img"), "shared image");
    const r = carry(mp, share, `grep -c ${q(` ${mp} `)} /proc/self/mountinfo`);
    expect(r.stdout).toContain(`rc=${CARRY_EXIT.conflict}\n0\n`);
    expect(r.stderr).toContain("conflict: the share already has a different test01.img");
    expect(readFileSync(join(mp, "test01.img"), "utf8")).toBe("local image");
    expect(readFileSync(join(mp, "b"), "utf8")).toBe("b");
    expect(readdirSync(share)).toEqual(["test01.img"]);
    expect(readFileSync(join(share, "test01.img"), "utf8")).toBe("shared image");
    expect(readdirSync(dir).sort()).toEqual(["data", "share"]);
  });

  it("puts everything back when the mount fails", () => {
    const { dir, mp } = setup();
    writeFileSync(join(mp, "test01.img"), "local image");
    const r = carry(mp, join(dir, "missing-source"));
    expect(r.stdout).toContain(`rc=${CARRY_EXIT.mount}\n`);
    expect(readdirSync(mp)).toEqual(["test01.img"]);
    expect(readdirSync(dir).sort()).toEqual(["data", "share"]);
  });
});
