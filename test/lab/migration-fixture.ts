/**
 * The runbook's starting point on the lab, set up directly over SSH (independently of the library's own
 * resources, so a LiveMigration test cannot pass because of a bug it shares with them):
 * - nfs exports /data to node1 and node2 over the second network (the runbook's 10.10.10.x);
 * - node1 and node2 mount it on /data, hold the same domain config, and (xm) run xend with the relocation
 *   server on and open, or (xl) let each other's root in over ssh for `xl migrate`;
 * - test01 (disk /data/test01.img, vifs on xenbr0 and xenbr1) runs on node1 and answers pings from observer.
 * Everything is undone by tearDown, so other suites can use the same lab instance afterwards.
 */
import * as fs from "fs";
import * as path from "path";
import { loadInventory, type Inventory, type LabHost } from "../../lab/inventory";
import { parseDomainList, findDomain } from "../../provider/formats/xm-list";
import { LabSsh, type Result } from "./lab-ssh";

export type NodeName = "node1" | "node2";
export const DOMAIN = "test01";

const XEND_CONFIG = "/etc/xen/xend-config.sxp";
const SAVED = ".mig-test-orig";

export interface SimCommand {
  host: NodeName;
  event: string;
  tool: string;
  argv: string[];
  code?: number;
}

export class MigrationLab {
  readonly ts: "xm" | "xl";
  readonly guestIp: string;
  readonly guestIp2: string;

  private constructor(
    readonly inv: Inventory,
    readonly nfs: LabSsh,
    readonly nodes: Record<NodeName, LabSsh>,
    readonly observer: LabSsh,
  ) {
    const ts = inv.hosts.node1.toolstack;
    if (ts !== "xm" && ts !== "xl") throw new Error(`node1 has no toolstack (${ts})`);
    if (inv.hosts.node2.toolstack !== ts) throw new Error("the migration tests need node1 and node2 on the same toolstack");
    this.ts = ts;
    const base = (i: number) => inv.network.segments[i].subnet.split(".").slice(0, 3).join(".");
    this.guestIp = `${base(0)}.${inv.network.guestOctets.first}`;
    this.guestIp2 = `${base(1)}.${inv.network.guestOctets.first}`;
  }

  get configPath(): string {
    return this.ts === "xm" ? `/etc/xen/${DOMAIN}` : `/etc/xen/${DOMAIN}.cfg`;
  }

  host(name: NodeName | "observer" | "nfs"): LabHost {
    return this.inv.hosts[name];
  }

  static async setUp(): Promise<MigrationLab> {
    const inv = loadInventory();
    const [nfs, node1, node2, observer] = await Promise.all(
      [inv.hosts.nfs, inv.hosts.node1, inv.hosts.node2, inv.hosts.observer].map((h) => LabSsh.connect(h)),
    );
    const lab = new MigrationLab(inv, nfs, { node1, node2 }, observer);
    await lab.prepare();
    return lab;
  }

  /** Runs a script on a host; fails the test setup loudly when it fails. */
  async must(on: LabSsh, script: string, args: string[] = [], stdin?: string): Promise<Result> {
    const r = await on.sh(script, args, stdin);
    if (r.code !== 0) throw new Error(`on ${on.host.name}: exit ${r.code}: ${script.slice(0, 200)}\n${r.stdout}${r.stderr}`);
    return r;
  }

  domainConfig(): string {
    const idx = this.inv.index.toString(16).padStart(2, "0");
    return [
      `name = "${DOMAIN}"`,
      "memory = 128",
      "vcpus = 1",
      'kernel = "/boot/vmlinuz-2.6.32-xen"',
      `disk = [ "file:/data/${DOMAIN}.img,xvda,w" ]`,
      `vif = [ "bridge=xenbr0,mac=00:16:3e:${idx}:00:01,ip=${this.guestIp}", "bridge=xenbr1,mac=00:16:3e:${idx}:01:01,ip=${this.guestIp2}" ]`,
      "",
    ].join("\n");
  }

  private async prepare(): Promise<void> {
    const n1 = this.host("node1");
    const n2 = this.host("node2");
    const exportsLine = `/data ${n1.address2}(rw,sync,no_subtree_check,no_root_squash) ${n2.address2}(rw,sync,no_subtree_check,no_root_squash)\n`;
    await this.must(
      this.nfs,
      `[ -e /etc/exports${SAVED} ] || cp /etc/exports /etc/exports${SAVED}
mkdir -p /data && cat > /etc/exports && exportfs -ra && service nfs-kernel-server restart >/dev/null`,
      [],
      exportsLine,
    );
    for (const name of ["node1", "node2"] as const) {
      const n = this.nodes[name];
      await this.must(n, 'mkdir -p /data; grep -q " /data " /proc/self/mountinfo || mount -t nfs "$1" /data', [`${this.host("nfs").address2}:/data`]);
      await this.must(n, 'cat > "$1"', [this.configPath], this.domainConfig());
      if (this.ts === "xm") {
        await this.must(n, `[ -e ${XEND_CONFIG}${SAVED} ] || cp ${XEND_CONFIG} ${XEND_CONFIG}${SAVED}`);
        await this.setRelocation(name, { server: "yes", hostsAllow: "" });
      }
    }
    if (this.ts === "xl") await this.trustEachOther();
    await this.must(this.nodes.node1, `[ -e /data/${DOMAIN}.img ] || truncate -s 64M /data/${DOMAIN}.img`);
    await this.clearFaults();
    await this.placeOn("node1");
  }

  /** xl migrate runs `ssh TARGET xl migrate-receive` as root: each node's root key in the other's authorized keys. */
  private async trustEachOther(): Promise<void> {
    const keys: Record<string, string> = {};
    for (const name of ["node1", "node2"] as const) {
      // Keep what was there, so tearDown can put it back (other suites test the xl trust from scratch).
      await this.must(
        this.nodes[name],
        `for f in /etc/ssh/authorized_keys/root /root/.ssh/known_hosts /root/.ssh/id_ed25519 /root/.ssh/id_ed25519.pub; do
  [ -e "$f${SAVED}" ] || [ -e "$f${SAVED}-absent" ] && continue
  if [ -e "$f" ]; then cp -p "$f" "$f${SAVED}"; else mkdir -p "\${f%/*}"; : > "$f${SAVED}-absent"; fi
done`,
      );
      const r = await this.must(this.nodes[name], "[ -f /root/.ssh/id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519; cat /root/.ssh/id_ed25519.pub");
      keys[name] = r.stdout.trim();
    }
    for (const [me, other] of [["node1", "node2"], ["node2", "node1"]] as const) {
      const o = this.host(other);
      await this.must(
        this.nodes[me],
        `f=/etc/ssh/authorized_keys/root; grep -qF "$1" "$f" 2>/dev/null || printf '%s\\n' "$1" >> "$f"
mkdir -p /root/.ssh; k=/root/.ssh/known_hosts; for a in "$2" "$3"; do grep -q "^$a " "$k" 2>/dev/null || printf '%s %s\\n' "$a" "$4" >> "$k"; done`,
        [keys[other], o.address, o.address2, o.hostKey],
      );
    }
  }

  /** xm: sets the relocation server and hosts-allow in xend-config.sxp (first active entry wins) and restarts xend. */
  async setRelocation(name: NodeName, o: { server: "yes" | "no"; hostsAllow: string }): Promise<void> {
    await this.must(
      this.nodes[name],
      `f=${XEND_CONFIG}
grep -v -e '^(xend-relocation-server ' -e '^(xend-relocation-hosts-allow ' -e '^(xend-relocation-port ' "$f${SAVED}" > "$f.new"
printf '(xend-relocation-server %s)\\n(xend-relocation-port 8002)\\n(xend-relocation-hosts-allow %s)\\n' "$1" "'$2'" | cat - "$f.new" > "$f"
rm -f "$f.new"
service xend restart >/dev/null`,
      [o.server, o.hostsAllow],
    );
  }

  async setFaults(name: NodeName, faults: Record<string, unknown>): Promise<void> {
    await this.must(this.nodes[name], "cat > /etc/xen/sim-faults.json", [], JSON.stringify(faults));
  }

  async clearFaults(): Promise<void> {
    for (const n of Object.values(this.nodes)) await this.must(n, "rm -f /etc/xen/sim-faults.json");
  }

  /** Rows of `xm list` / `xl list` on a node that are the domain under any name. */
  async sightings(name: NodeName) {
    const r = await this.nodes[name].sh(`PATH=$PATH:/usr/sbin; ${this.ts} list`);
    if (r.code !== 0) throw new Error(`${this.ts} list on ${name}: ${r.stderr}`);
    return findDomain(parseDomainList(r.stdout), DOMAIN).map((s) => ({ listedAs: s.listedAs, state: s.row.state }));
  }

  /** Where the domain runs under its own name, as both toolstacks list it. */
  async runningOn(): Promise<NodeName[]> {
    const out: NodeName[] = [];
    for (const name of ["node1", "node2"] as const) {
      if ((await this.sightings(name)).some((s) => s.listedAs === "normal")) out.push(name);
    }
    return out;
  }

  async create(name: NodeName): Promise<void> {
    await this.must(this.nodes[name], `PATH=$PATH:/usr/sbin; ${this.ts} create "$1"`, [this.configPath]);
  }

  async destroy(name: NodeName, domName: string = DOMAIN): Promise<void> {
    await this.nodes[name].sh(`PATH=$PATH:/usr/sbin; ${this.ts} destroy "$1" >/dev/null 2>&1; true`, [domName]);
  }

  /** Makes the domain run on exactly `name` (destroying every other copy, under any name). */
  async placeOn(name: NodeName): Promise<void> {
    for (const n of ["node1", "node2"] as const) {
      for (const s of await this.sightings(n)) {
        if (n === name && s.listedAs === "normal") continue;
        const shown = { normal: DOMAIN, migrating: `migrating-${DOMAIN}`, incoming: `${DOMAIN}--incoming`, migratedaway: `${DOMAIN}--migratedaway` }[s.listedAs];
        await this.destroy(n, shown);
      }
    }
    if (!(await this.runningOn()).includes(name)) await this.create(name);
  }

  /** After a reboot: a new SSH connection to the node. */
  /**
   * A fresh connection after a node's links come back up. The harness's neighbour entry for the node may still be
   * FAILED from the outage, so the first connects can get EHOSTUNREACH for a moment: keep trying for 30 s.
   */
  async reconnect(name: NodeName): Promise<void> {
    this.nodes[name].close();
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        this.nodes[name] = await LabSsh.connect(this.host(name));
        return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** The simulator's command log of a node, read from the host's root as the harness sees it (works while the node is cut off). */
  private commandLog(name: NodeName): string[] {
    const file = path.join(this.host(name).root, "var/log/xen/sim-commands.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "") : [];
  }

  /** A mark in each node's simulator command log (/var/log/xen/sim-commands.log). */
  mark(): Record<NodeName, number> {
    return { node1: this.commandLog("node1").length, node2: this.commandLog("node2").length };
  }

  /** The toolstack commands each node's simulator recorded since the mark. */
  commandsSince(mark: Record<NodeName, number>): SimCommand[] {
    const out: SimCommand[] = [];
    for (const name of ["node1", "node2"] as const) {
      for (const line of this.commandLog(name).slice(mark[name])) {
        const e = JSON.parse(line) as Omit<SimCommand, "host">;
        out.push({ host: name, event: e.event, tool: e.tool, argv: e.argv ?? [], code: e.code });
      }
    }
    return out;
  }

  /** Commands that change placement: migrate, create, destroy, shutdown (what a refused run must not start). */
  static changing(cmds: readonly SimCommand[]): SimCommand[] {
    return cmds.filter((c) => c.event === "start" && /^(migrate|create|destroy|shutdown|migrate-receive|rename|unpause)$/.test(c.argv[0] ?? ""));
  }

  /** The LiveMigration inputs for this lab. */
  inputs(desiredHost: NodeName, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const conn = (h: LabHost) => ({ host: h.address, privateKey: h.privateKey, hostKey: h.hostKey, perDialTimeout: 5, dialErrorLimit: 1 });
    return {
      domain: DOMAIN,
      hosts: (["node1", "node2"] as const).map((n) => ({ name: n, connection: conn(this.host(n)), migrationAddress: this.host(n).address })),
      desiredHost,
      toolstack: this.ts,
      probe: { connection: conn(this.host("observer")), address: this.guestIp, intervalSeconds: 0.01 },
      ...extra,
    };
  }

  async tearDown(): Promise<void> {
    try {
      await this.clearFaults();
      for (const n of ["node1", "node2"] as const) {
        for (const s of await this.sightings(n).catch(() => [])) {
          const shown = { normal: DOMAIN, migrating: `migrating-${DOMAIN}`, incoming: `${DOMAIN}--incoming`, migratedaway: `${DOMAIN}--migratedaway` }[s.listedAs];
          await this.destroy(n, shown);
        }
        const node = this.nodes[n];
        await node.sh(`for f in /etc/ssh/authorized_keys/root /root/.ssh/known_hosts /root/.ssh/id_ed25519 /root/.ssh/id_ed25519.pub; do
  if [ -e "$f${SAVED}" ]; then mv "$f${SAVED}" "$f"; elif [ -e "$f${SAVED}-absent" ]; then rm -f "$f" "$f${SAVED}-absent"; fi
done`);
        if (this.ts === "xm") await node.sh(`[ -e ${XEND_CONFIG}${SAVED} ] && mv ${XEND_CONFIG}${SAVED} ${XEND_CONFIG} && service xend restart >/dev/null; true`);
        await node.sh(`rm -f "$1" "$1.mig-test-away"; grep -q " /data " /proc/self/mountinfo && umount /data; true`, [this.configPath]);
      }
      await this.nfs.sh(`rm -f /data/${DOMAIN}.img; [ -e /etc/exports${SAVED} ] && mv /etc/exports${SAVED} /etc/exports && exportfs -ra; service nfs-kernel-server stop >/dev/null; true`);
    } finally {
      for (const c of [this.nfs, this.nodes.node1, this.nodes.node2, this.observer]) c.close();
    }
  }
}
