/**
 * Which export entry a lab NFS client gets (lab/host/hostinit.py export_access): the deepest exported folder
 * holding the mounted path, then its first client entry matching the client's address or names.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const hostinit = path.join(__dirname, "..", "..", "..", "lab", "host", "hostinit.py");
let server: string;

const etab = (lines: string[]): void => {
  fs.writeFileSync(path.join(server, "var/lib/nfs/etab"), lines.map((l) => l + "\n").join(""));
};
const opts = (o: string): string => `(${o},sync,wdelay,hide,nocrossmnt,secure,no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,${o})`;

function access(p: string, ip: string): { ro: boolean; squash: string; anonuid: number; anongid: number } {
  const code = "import importlib.util,json,sys\n" +
    "s=importlib.util.spec_from_file_location('hostinit', sys.argv[1]); m=importlib.util.module_from_spec(s); s.loader.exec_module(m)\n" +
    "print(json.dumps(m.export_access(sys.argv[2], sys.argv[3], sys.argv[4])))";
  const r = spawnSync("/usr/bin/python3", ["-c", code, hostinit, server, p, ip], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  server = fs.mkdtempSync(path.join(os.tmpdir(), "xenha-export-access-"));
  fs.mkdirSync(path.join(server, "etc"));
  fs.mkdirSync(path.join(server, "var/lib/nfs"), { recursive: true });
  fs.writeFileSync(path.join(server, "etc/hosts"), "127.0.0.1 localhost\n10.10.10.10 node1 node1.lab\n10.10.10.20 node2\n");
});
afterAll(() => fs.rmSync(server, { recursive: true, force: true }));

test("address, hostname, CIDR, netmask and wildcard clients; the first match wins", () => {
  etab([
    `/data\t10.10.10.10${opts("rw,no_root_squash")}`,
    `/data\tnode2${opts("ro,root_squash")}`,
    `/data\t10.10.20.0/255.255.255.0${opts("rw,root_squash")}`,
    `/data\t*.lab${opts("ro,root_squash")}`,
    `/data\t10.10.0.0/16${opts("rw,all_squash").replace("anonuid=65534", "anonuid=1000")}`,
  ]);
  expect(access("/data", "10.10.10.10")).toEqual({ ro: false, squash: "none", anonuid: 65534, anongid: 65534 });
  expect(access("/data", "10.10.10.20")).toMatchObject({ ro: true, squash: "root" });
  expect(access("/data", "10.10.20.7")).toMatchObject({ ro: false, squash: "root" });
  expect(access("/data", "10.10.30.7")).toEqual({ ro: false, squash: "all", anonuid: 1000, anongid: 65534 });
});

test("the deepest exported folder holding the path decides", () => {
  etab([`/data\t*${opts("rw,no_root_squash")}`, `/data/iso\t*${opts("ro,root_squash")}`]);
  expect(access("/data/images", "10.10.10.10")).toMatchObject({ ro: false, squash: "none" });
  expect(access("/data/iso/debian", "10.10.10.10")).toMatchObject({ ro: true, squash: "root" });
  expect(access("/data/isolation", "10.10.10.10")).toMatchObject({ ro: false, squash: "none" });
});
