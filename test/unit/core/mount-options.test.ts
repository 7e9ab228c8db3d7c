import { mountOptionProblems } from "../../../provider/core/fields/mount-options";
import { checkInputs } from "../../../provider/core/check";
import { nfsMountInputsSchema } from "../../../provider/resources/nfs-mount/schema";

// real option lists: the runbook's, Debian's and RHEL's documentation, a Xen image store
test.each([
  [["hard", "rw", "rsize=32768", "wsize=32768"]],
  [["defaults"]],
  [["rw", "hard", "intr", "rsize=8192", "wsize=8192", "timeo=14", "proto=tcp", "vers=3"]],
  [["nfsvers=4.1", "sec=krb5:krb5i", "noatime", "nodiratime", "_netdev", "x-systemd.automount"]],
  [["soft", "timeo=600", "retrans=2", "lookupcache=positive", "nconnect=4"]],
  [["vers=4.2", "xprtsec=tls", "local_lock=none", "noresvport"]],
])("%j says one thing", (options) => {
  expect(mountOptionProblems(options)).toEqual([]);
});

test.each<[string[], number, RegExp]>([
  [["hard", "rsize=big"], 1, /rsize= takes a whole number/],
  [["wsize=-1"], 0, /wsize= takes a whole number/],
  [["timeo=1.5"], 0, /timeo= takes a whole number/],
  [["rw", "ro"], 1, /rw and ro contradict/],
  [["ro", "hard", "rw"], 2, /rw and ro contradict/],
  [["hard", "soft"], 1, /hard and soft contradict/],
  [["hard", "softerr"], 1, /hard and softerr contradict/],
  [["proto=sctp"], 0, /proto= must be one of tcp/],
  [["vers=5"], 0, /vers= must be one of 2, 3, 4/],
  [["sec=krb6"], 0, /sec= takes security flavours/],
  [["rsize"], 0, /rsize needs a value/],
  [["rsize=4096", "rsize=8192"], 1, /rsize is given twice with different values/],
  [["lock", "nolock"], 1, /lock and nolock contradict/],
])("%j is refused at item %i", (options, index, message) => {
  const problems = mountOptionProblems(options);
  expect(problems.length).toBeGreaterThan(0);
  expect(problems[0]![0]).toBe(index);
  expect(problems[0]![1]).toMatch(message);
});

test("NfsMount's check names the item", () => {
  const r = checkInputs(nfsMountInputsSchema, {
    connection: { host: "node1", hostKey: "SHA256:" + "A".repeat(43) }, server: "10.10.10.30", exportPath: "/data", mountPoint: "/data",
    options: ["hard", "rw", "ro", "rsize=x"],
  });
  expect(r.failures).toEqual(expect.arrayContaining([
    { property: "options[2]", reason: expect.stringMatching(/rw and ro contradict/) },
    { property: "options[3]", reason: expect.stringMatching(/rsize= takes a whole number/) },
  ]));
});
