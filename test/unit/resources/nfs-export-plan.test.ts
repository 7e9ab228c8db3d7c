import { readFileSync } from "node:fs";
import { join } from "node:path";
import { classifyExportfsStderr } from "../../../provider/formats/exports-exportfs";
import type { ExportFacts } from "../../../provider/resources/nfs-export/facts";
import { observeExport, planExport, planExportDelete } from "../../../provider/resources/nfs-export/plan";
import { nfsExportInputsSchema, type NfsExportInputs } from "../../../provider/resources/nfs-export/schema";

const messy = readFileSync(join(__dirname, "../../fixtures/exports/rhel5-messy.exports"), "utf8");
const opts = ["rw", "sync", "no_root_squash", "no_subtree_check"];
const inputs = (patch: Partial<NfsExportInputs> = {}): NfsExportInputs =>
  nfsExportInputsSchema.parse({
    connection: { host: "198.18.0.30", insecureIgnoreHostKey: true },
    path: "/data",
    clients: [
      { host: "10.10.10.10", options: opts },
      { host: "10.10.10.20", options: opts },
    ],
    ...patch,
  });
const line = "/data 10.10.10.10(rw,sync,no_root_squash,no_subtree_check) 10.10.10.20(rw,sync,no_root_squash,no_subtree_check)\n";
const liveOk = [
  { path: "/data", client: "10.10.10.10", options: ["rw"] },
  { path: "/data", client: "10.10.10.20", options: ["rw"] },
];
const converged = (): ExportFacts => ({
  exports: "# shared storage\n" + line,
  directory: { kind: "directory", owner: "root", group: "root", uid: 0, gid: 0, mode: 0o755 },
  service: { init: "sysv", name: "nfs", running: true, enabledAtBoot: true },
  live: { exports: liveOk, error: null },
});

describe("planExport", () => {
  it("does nothing on a converged server (no write, no exportfs, no service action)", () => {
    expect(planExport(inputs(), converged())).toEqual({ steps: [], errors: [] });
  });

  it("sets up a fresh server in order: directory, exports, boot, start, re-export", () => {
    const f: ExportFacts = {
      exports: null,
      directory: { kind: "missing" },
      service: { init: "sysv", name: "nfs", running: false, enabledAtBoot: false },
      live: { exports: [], error: null },
    };
    const p = planExport(inputs({ mode: "0750", owner: "root" }), f);
    expect(p.errors).toEqual([]);
    expect(p.steps).toEqual([
      { kind: "createDirectory", path: "/data", owner: "root", group: undefined, mode: 0o750 },
      { kind: "writeExports", content: line, duplicates: [] },
      { kind: "enableService", name: "nfs" },
      { kind: "startService", name: "nfs" },
      { kind: "reexport" },
    ]);
  });

  it("converges a messy file to one entry and re-exports; nothing else", () => {
    const p = planExport(inputs(), { ...converged(), exports: messy });
    expect(p.steps.map((s) => s.kind)).toEqual(["writeExports", "reexport"]);
    const w = p.steps[0] as { content: string; duplicates: number[] };
    expect(w.duplicates).toEqual([10]);
    expect(w.content.split("\n").filter((l) => l.startsWith("/data"))).toHaveLength(1);
  });

  it("re-exports when the file is right but the export is not live (edited without exportfs)", () => {
    const p = planExport(inputs(), { ...converged(), live: { exports: [liveOk[0]], error: null } });
    expect(p.steps).toEqual([{ kind: "reexport" }]);
  });

  it("fixes directory attributes that differ, by name or id", () => {
    const p = planExport(inputs({ owner: "0", group: "nfs", mode: "755" }), converged());
    expect(p.steps).toEqual([{ kind: "setDirectoryAttributes", path: "/data", group: "nfs" }]);
  });

  it("refuses without touching anything", () => {
    expect(planExport(inputs({ createDirectory: false }), { ...converged(), directory: { kind: "missing" } }).errors[0]).toContain(
      "does not exist",
    );
    expect(planExport(inputs(), { ...converged(), directory: { kind: "other" } }).errors[0]).toContain("not a directory");
    const noService = planExport(inputs(), { ...converged(), service: { init: "systemd", name: null, running: false, enabledAtBoot: false } });
    expect(noService.steps).toEqual([]);
    expect(noService.errors[0]).toContain("no NFS server service found");
    expect(planExport(inputs(), { ...converged(), live: { exports: null, error: "exportfs is not installed" } }).errors).toEqual([
      "exportfs is not installed",
    ]);
  });

  it("leaves the service alone when asked to", () => {
    const f = { ...converged(), service: { init: "sysv" as const, name: "nfs", running: false, enabledAtBoot: false } };
    expect(planExport(inputs({ serviceEnabled: false, serviceRunning: false }), f).steps).toEqual([]);
  });
});

describe("planExportDelete", () => {
  it("removes every entry for the path and re-exports", () => {
    const steps = planExportDelete("/data", { exports: messy, live: { exports: liveOk, error: null } });
    expect(steps.map((s) => s.kind)).toEqual(["writeExports", "reexport"]);
    expect((steps[0] as { content: string }).content).not.toMatch(/^\/data/m);
  });
  it("does nothing when the entry and the live export are gone", () => {
    expect(planExportDelete("/data", { exports: "/other h(ro)\n", live: { exports: [], error: null } })).toEqual([]);
  });
});

describe("observeExport", () => {
  it("reports the real entry in the inputs' shape and no drift when converged", () => {
    const o = observeExport(inputs(), converged());
    expect(o.drift).toEqual([]);
    expect(o.entry).toBe(line.trimEnd());
    expect(o.clients).toEqual(inputs().clients);
  });
  it("reports a hand edit, a duplicate, a missing live client and a stopped service", () => {
    const f = converged();
    f.exports = "/data 10.10.10.10(ro)\n/data 10.10.10.20(rw)\n";
    f.live = { exports: [liveOk[0]], error: null };
    f.service.running = false;
    const o = observeExport(inputs(), f);
    expect(o.clients).toEqual([{ host: "10.10.10.10", options: ["ro"] }]);
    expect(o.drift).toEqual([
      "/etc/exports has 2 entries for /data",
      "/etc/exports says /data 10.10.10.10(ro)",
      "not exported live to 10.10.10.20 (exportfs -v)",
      "service nfs is not running",
    ]);
  });
});

describe("exportfs -ra stderr", () => {
  it("separates our errors from warnings and other entries' problems", () => {
    const stderr = [
      "exportfs: No options for /srv 10.0.0.1: suggest 10.0.0.1(sync) to avoid warning.",
      "exportfs: /etc/exports [3]: Neither 'subtree_check' or 'no_subtree_check' specified for export \"10.0.0.1:/srv\".",
      "  Assuming default behaviour ('no_subtree_check').",
      "exportfs: Failed to stat /data: No such file or directory",
      "exportfs: Failed to stat /database: No such file or directory",
      "exportfs: /etc/exports:7: unknown keyword \"bogus\"",
      "exportfs: /etc/exports:2: unknown keyword \"other\"",
      "exportfs: could not open /var/lib/nfs/.etab.lock for locking: errno 13 (Permission denied)",
      "exportfs: internal error",
    ].join("\n");
    const m = classifyExportfsStderr(stderr, "/data", [7]);
    expect(m.errors).toEqual([
      "exportfs: Failed to stat /data: No such file or directory",
      'exportfs: /etc/exports:7: unknown keyword "bogus"',
      "exportfs: internal error",
    ]);
    expect(m.warnings).toHaveLength(5);
    expect(m.warnings[1]).toContain("Assuming default");
  });
});
