/**
 * The lab's exportfs stand-in reads /etc/exports as nfs-utils does and renders ganesha exports. Its pure entry
 * points (--lab-parse, --lab-ganesha) are run on realistic messy files.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const root = path.join(__dirname, "..", "..", "..");
const tool = path.join(root, "lab", "host", "exportfs.py");
const fixture = (f: string): string => path.join(root, "test", "fixtures", "lab", f);

interface Options { ro: boolean; async: boolean; root_squash: boolean; all_squash: boolean; insecure: boolean; anonuid: number; anongid: number }
interface Parsed { entries: { path: string; client: string; options: Options }[]; messages: [string, string][]; etab: string }

function run(flag: string, file: string): { stdout: string; stderr: string } {
  const r = spawnSync("/usr/bin/python3", [tool, flag, file], { encoding: "utf8" });
  expect(r.status).toBe(0);
  return { stdout: r.stdout, stderr: r.stderr };
}
const parse = (file: string): Parsed => JSON.parse(run("--lab-parse", file).stdout) as Parsed;

describe("reading /etc/exports", () => {
  const p = parse(fixture("exports-messy"));
  const get = (pth: string, client: string): Options => {
    const e = p.entries.find((x) => x.path === pth && x.client === client);
    if (!e) throw new Error(`no entry ${client}:${pth} in ${JSON.stringify(p.entries.map((x) => `${x.client}:${x.path}`))}`);
    return e.options;
  };

  test("continuation lines and trailing comments belong to the same export", () => {
    expect(get("/data", "10.10.10.10")).toMatchObject({ ro: false, root_squash: false });
    expect(get("/data", "10.10.10.20")).toMatchObject({ ro: false, root_squash: true });
  });

  test("default options (-opts) apply to the clients after them; a client's own options win", () => {
    expect(get("/srv/iso", "192.168.233.0/255.255.255.0")).toMatchObject({ ro: true });
    expect(get("/srv/iso", "node1.example.com")).toMatchObject({ ro: false });
    expect(get("/srv/iso", "*.lab")).toMatchObject({ ro: true, async: true });
  });

  test("quoted and octal-escaped paths, squash and anon ids", () => {
    expect(get("/srv/with space", "10.10.10.0/24")).toMatchObject({ all_squash: true, anonuid: 1000, anongid: 1000 });
    expect(get("/srv/octal name", "10.10.10.30")).toMatchObject({ ro: true, root_squash: true });
    expect(get("/srv/world", "*")).toMatchObject({ ro: true, insecure: true });
  });

  test("warnings as nfs-utils words them; an unknown keyword is an error that stops the file", () => {
    expect(p.messages).toEqual([
      ["warning", "No options for /srv/octal name 10.10.10.30: suggest 10.10.10.30(sync) to avoid warning"],
      ["warning", "No host name given with /srv/world (ro,insecure), suggest *(ro,insecure) to avoid warning"],
      ["error", `${fixture("exports-messy")}:10: unknown keyword "hard"\n`],
    ]);
    expect(p.entries.map((e) => e.path)).not.toContain("/srv/bad");
    expect(p.entries.map((e) => e.path)).not.toContain("/srv/never-read");
  });

  test("an unclosed option list is a syntax error on its line", () => {
    const bad = parse(fixture("exports-bad-list"));
    expect(bad.entries).toEqual([]);
    expect(bad.messages).toEqual([["error", `${fixture("exports-bad-list")}:1: syntax error: bad option list`]]);
  });

  test("etab lines in nfs-utils' format, paths escaped", () => {
    expect(p.etab.split("\n")[0]).toBe(
      "/data\t10.10.10.10(rw,sync,wdelay,hide,nocrossmnt,secure,no_root_squash,no_all_squash,no_subtree_check," +
      "secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,rw,secure,no_root_squash,no_all_squash)");
    expect(p.etab).toContain("/srv/with\\040space\t10.10.10.0/24(rw,");
  });
});

describe("ganesha exports", () => {
  const g = run("--lab-ganesha", fixture("exports-messy")).stdout;
  const blocks = g.split(/^EXPORT \{$/m).slice(1);

  test("one EXPORT per path with NFSv4/TCP, nothing open by default, one CLIENT per client", () => {
    expect(blocks).toHaveLength(5);
    const data = blocks.find((b) => b.includes('Path = "/data";')) ?? "";
    expect(data).toMatch(/Pseudo = "\/data";/);
    expect(data).toMatch(/Protocols = 4;/);
    expect(data).toMatch(/Transports = TCP;/);
    expect(data).toMatch(/^\tAccess_Type = None;/m);
    expect(data.match(/CLIENT \{/g)).toHaveLength(2);
    expect(data).toMatch(/Clients = 10\.10\.10\.10;\n\t\tAccess_Type = RW;\n\t\tSquash = No_Root_Squash;/);
    expect(data).toMatch(/Clients = 10\.10\.10\.20;\n\t\tAccess_Type = RW;\n\t\tSquash = Root_Squash;/);
  });

  test("netmasks become prefix lengths, all_squash and anon ids carry over, ro stays ro", () => {
    expect(g).toMatch(/Clients = 192\.168\.233\.0\/24;\n\t\tAccess_Type = RO;/);
    expect(g).toMatch(/Clients = 10\.10\.10\.0\/24;\n\t\tAccess_Type = RW;\n\t\tSquash = All_Squash;\n\t\tAnonymous_Uid = 1000;/);
    expect(g).toMatch(/Clients = \*;\n\t\tAccess_Type = RO;/);
  });

  test("export ids are stable per path, so a reload updates an export in place", () => {
    const again = run("--lab-ganesha", fixture("exports-messy")).stdout;
    expect(again).toBe(g);
    const ids = [...g.matchAll(/Export_Id = (\d+);/g)].map((m) => Number(m[1]));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((i) => i > 0)).toBe(true);
  });
});
