import { readFileSync } from "fs";
import { join } from "path";
import { classifyXmMigrate, xmErrorLine } from "../../../provider/formats/xm-migrate-error";
import { classifyXlMigrate, xlMigrateSucceeded } from "../../../provider/formats/xl-migrate-output";

const fixture = (name: string) => readFileSync(join(__dirname, "../../fixtures/outputs", name), "utf8");

describe("classifyXmMigrate", () => {
  const sections = fixture("xm-migrate-errors.runbook.txt")
    .split(/^### /m)
    .slice(1)
    .map((s) => {
      const [head, ...body] = s.split("\n");
      const [kind, rc] = head.split(" rc=");
      return { kind, rc: Number(rc), output: body.join("\n") };
    });

  test("the fixture holds every runbook message", () => expect(sections.length).toBe(11));

  test.each(sections.map((s) => [s.kind, s.output.split("\n")[0], s]))("%s: %s", (_k, _l, s) => {
    const f = classifyXmMigrate(s.output, s.rc)!;
    expect(f.kind).toBe(s.kind);
    expect(f.detail).toBe(s.output.split("\n")[0].replace(/^Error: /, ""));
    expect(f.summary.length).toBeGreaterThan(10);
  });

  test("an error raised on the target names that host", () => {
    const f = classifyXmMigrate("Error: Disk isn't accessible (from 192.168.233.151)\nUsage: xm migrate <Domain> <Host>\n", 1)!;
    expect(f).toMatchObject({ kind: "target-error", fromHost: "192.168.233.151" });
  });

  test("the real Xen 3.3 failure: xc_save failed, usage on the same stream", () => {
    const text = fixture("xm-migrate-failure-and-localhost.xen-3.3.txt");
    const out = text.split("xm migrate --live 3 sienna\n")[1].split("root@virtual:~#")[0];
    expect(xmErrorLine(out)).toBe("/usr/lib/xen/bin/xc_save 4 3 0 0 1 failed");
    expect(classifyXmMigrate(out, 1)).toMatchObject({ kind: "save-failed" });
  });

  test("success is silent and exit 0", () => {
    expect(classifyXmMigrate("", 0)).toBeNull();
  });

  test("a non-zero exit with no message is still a failure", () => {
    expect(classifyXmMigrate("", 1)).toMatchObject({ kind: "unknown", detail: "exit code 1 with no message" });
  });

  test("an Error line with exit 0 is not taken as success", () => {
    expect(classifyXmMigrate("Error: can't connect: Connection refused\n", 0)).toMatchObject({ kind: "connection-refused" });
  });
});

describe("classifyXlMigrate (real Xen 4.17 transcripts)", () => {
  const text = fixture("xl-transcripts.xen-4.17.txt");
  const section = (run: string, title: string) => text.split(run)[1].split(`=== ${title}\n`)[1].split(/^(?:===|#####)/m)[0];

  test("localhost success: Migration successful.", () => {
    const out = section("##### Run B", "xl migrate (localhost, no ssh)");
    expect(xlMigrateSucceeded(out)).toBe(true);
    expect(classifyXlMigrate(out, 0)).toBeNull();
  });

  test("hypervisor without shadow paging: no-logdirty is the root cause, not the target's failure", () => {
    const out = section("##### Run A", "xl migrate (localhost, no ssh)");
    const f = classifyXlMigrate(out, 1)!;
    expect(f.kind).toBe("no-logdirty");
    expect(f.detail).toMatch(/Migration failed, failed to suspend at sender\./);
  });

  test("ssh connection refused", () => {
    const out = section("##### Run C: ssh", "xl migrate to host with nothing listening (ssh)");
    const f = classifyXlMigrate(out, 1)!;
    expect(f.kind).toBe("ssh-refused");
    expect(f.detail).toMatch(/^ssh: connect to host 127.0.0.1 port 22: Connection refused/);
    expect(f.detail).toMatch(/exited with error status 255/);
  });

  test("unresolvable host", () => {
    const out = section("##### Run C: ssh", "xl migrate to unresolvable host (ssh)");
    expect(classifyXlMigrate(out, 1)!.kind).toBe("ssh-unreachable");
  });

  test("-l is rejected", () => {
    const out = section("##### Run A", "xl migrate -l");
    expect(classifyXlMigrate(out, 2)!.kind).toBe("bad-option");
  });

  test.each([
    ["root@198.18.0.12: Permission denied (publickey).\nmigration transport process [12] exited with error status 255\n", "ssh-auth"],
    ["Host key verification failed.\nmigration transport process [12] exited with error status 255\n", "ssh-host-key"],
    ["bash: line 1: xl: command not found\nmigration transport process [12] exited with error status 127\n", "target-no-xl"],
    ["migration target: Domain creation failed (code -3).\nMigration failed, resuming at sender.\n", "target-create-failed"],
    ["xc: error: Save failed\nMigration failed, resuming at sender.\n", "resumed-at-sender"],
    [" ** Migration failed during final handshake **\n", "handshake-failed"],
    [
      "xc: error: Failed to write page data to migration stream (32 = Broken pipe): Internal error\n" +
        "migration sender: libxl_domain_suspend failed (rc=-3)\n" +
        "libxl: info: libxl_exec.c:117:libxl_report_child_exitstatus: migration transport process [3374] exited with error status 255\n" +
        "Migration failed, resuming at sender.\n",
      "transport-failed",
    ],
    ["test02 is an invalid domain identifier (rc=-6)\n", "no-such-domain"],
    ["something new\n", "unknown"],
  ])("%j -> %s", (out, kind) => {
    expect(classifyXlMigrate(out, 1)!.kind).toBe(kind);
  });

  test("exit 0 without 'Migration successful.' is not trusted", () => {
    expect(classifyXlMigrate("", 0)).toMatchObject({ kind: "unknown" });
  });
});
