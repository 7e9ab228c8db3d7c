/** Lab hosts are separate machines: own /etc, own hostname and addresses, own sshd with the inventory's key. */
import { LabHost, labHosts, loadInventory } from "../../lab/inventory";
import { LabSsh } from "./lab-ssh";

jest.setTimeout(60_000);
const inv = loadInventory();
const sessions = new Map<string, LabSsh>();
const on = async (h: LabHost): Promise<LabSsh> => {
  let s = sessions.get(h.name);
  if (!s) {
    s = await LabSsh.connect(h);
    sessions.set(h.name, s);
  }
  return s;
};
afterAll(() => sessions.forEach((s) => s.close()));

test("every host answers SSH with its own name, addresses and bridges", async () => {
  for (const h of labHosts(inv)) {
    const r = await (await on(h)).sh("hostname; ip -o -4 addr show | awk '{print $2, $4}'");
    expect(r.code).toBe(0);
    const [name, ...addrs] = r.stdout.trim().split("\n");
    expect(name).toBe(h.name);
    for (const i of h.interfaces) expect(addrs).toContain(`${i.name} ${i.address}/${i.prefix}`);
    if (h.role === "xen") {
      const br = await (await on(h)).sh("for b in xenbr0 xenbr1; do ls /sys/class/net/$b/brif; done");
      expect(br.stdout.split("\n").filter(Boolean).sort()).toEqual(["eth0", "eth1"]);
    }
  }
});

test("a file written in /etc on node1 is absent on node2 and on the other hosts", async () => {
  const marker = `lab-test-${process.pid}-${Date.now()}`;
  const w = await (await on(inv.hosts.node1)).sh('printf %s "$1" > /etc/xenha-lab-marker && cat /etc/xenha-lab-marker', [marker]);
  expect(w).toMatchObject({ code: 0, stdout: marker });
  for (const h of [inv.hosts.node2, inv.hosts.nfs, inv.hosts.observer]) {
    const r = await (await on(h)).sh("cat /etc/xenha-lab-marker");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("No such file or directory");
  }
  await (await on(inv.hosts.node1)).sh("rm -f /etc/xenha-lab-marker");
});

test("hosts reach each other on both segments, by name and address", async () => {
  const s = await on(inv.hosts.observer);
  for (const target of [inv.hosts.node1.address, inv.hosts.node2.address2, "nfs"]) {
    const r = await s.sh('ping -c1 -W2 "$1"', [target]);
    expect({ target, code: r.code }).toEqual({ target, code: 0 });
  }
});
