import { checkInputs } from "../../../provider/core/check";
import { exportClientProblem, nfsExportInputsSchema } from "../../../provider/resources/nfs-export/schema";
import { nfsMountInputsSchema, RUNBOOK_MOUNT_OPTIONS } from "../../../provider/resources/nfs-mount/schema";

const connection = { host: "198.18.0.30", hostKey: "SHA256:" + "A".repeat(43) };
const exportIn = { connection, path: "/data", clients: [{ host: "10.10.10.10" }] };
const mountIn = { connection, server: "10.10.10.30", exportPath: "/data", mountPoint: "/data" };

const failuresOf = (schema: Parameters<typeof checkInputs>[0], news: object) =>
  checkInputs(schema, { __provider: "x", ...news }).failures;

describe("NfsExport inputs", () => {
  it("applies defaults and accepts the runbook export", () => {
    const r = checkInputs(nfsExportInputsSchema, { __provider: "x", ...exportIn });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({
      path: "/data",
      clients: [{ host: "10.10.10.10", options: ["rw", "sync", "no_subtree_check"] }],
      createDirectory: true,
      serviceEnabled: true,
      serviceRunning: true,
    });
    // Idempotent: the checked inputs parse to themselves (the framework relies on it).
    expect(nfsExportInputsSchema.parse(r.inputs)).toEqual(nfsExportInputsSchema.parse(nfsExportInputsSchema.parse(r.inputs)));
  });

  it.each([
    [{ path: "data" }, "path", "absolute"],
    [{ path: "/data; rm -rf /" }, "path", "white space"],
    [{ path: "/data$(reboot)" }, "path", "shell metacharacters"],
    [{ path: "/da`x`ta" }, "path", "shell metacharacters"],
    [{ path: "/data\nx" }, "path", "white space"],
    [{ path: "/" }, "path", '"/"'],
    [{ path: "/data/../etc" }, "path", ".."],
    [{ clients: [] }, "clients", "at least one"],
    [{ clients: [{ host: "10.10.10.300" }] }, "clients[0].host", "IPv4"],
    [{ clients: [{ host: "10.0.0.0/33" }] }, "clients[0].host", "prefix"],
    [{ clients: [{ host: "bad host" }] }, "clients[0].host", "host name"],
    [{ clients: [{ host: "10.10.10.10", options: ["rw sync"] }] }, "clients[0].options[0]", "white space"],
    [{ clients: [{ host: "10.10.10.10", options: ["rw,sync"] }] }, "clients[0].options[0]", "comma"],
    [{ clients: [{ host: "10.10.10.10", options: ["rw", "ro"] }] }, "clients[0].options", "both rw and ro"],
    [{ clients: [{ host: "h" }, { host: "h" }] }, "clients[1].host", "already"],
    [{ mode: "999" }, "mode", "octal"],
    [{ owner: "root;id" }, "owner", "user name"],
    [{ surprise: 1 }, "surprise", "unknown property"],
  ])("rejects %j naming %s", (patch, property, words) => {
    const failures = failuresOf(nfsExportInputsSchema, { ...exportIn, ...patch });
    expect(failures.length).toBeGreaterThan(0);
    const f = failures.find((x) => x.property === property);
    expect(f).toBeDefined();
    expect(f!.reason).toContain(words);
  });

  it.each([
    ["*", ["rw", "no_root_squash"]], ["10.10.10.0/24", ["rw", "sync", "no_root_squash"]], ["*.example.com", ["no_root_squash"]], ["@xenhosts", ["no_root_squash"]],
  ])("refuses root access for many hosts (%s with %j) without allowWideRootAccess, naming the client", (host, options) => {
    const failures = failuresOf(nfsExportInputsSchema, { ...exportIn, clients: [{ host, options }] });
    expect(failures).toEqual([{ property: "clients[0].host", reason: expect.stringMatching(/lets every host it matches write as root/) }]);
    expect(failuresOf(nfsExportInputsSchema, { ...exportIn, clients: [{ host, options }], allowWideRootAccess: true })).toEqual([]);
    expect(failuresOf(nfsExportInputsSchema, { ...exportIn, clients: [{ host, options: ["rw", "sync"] }] })).toEqual([]);
  });

  it.each(["-rw", "-defaults", "-node1"])("refuses client %s: /etc/exports would read it as default options", (h) => {
    expect(exportClientProblem(h)).toMatch(/must not start with '-'/);
  });

  it.each(["*", "@xenhosts", "10.10.10.10", "10.10.10.0/24", "10.10.10.0/255.255.255.0", "*.example.com",
    "node[12].example.com", "node?", "2001:db8::/64", "fe80::1", "host-1.lab"])("accepts client %s", (h) => {
    expect(exportClientProblem(h)).toBeNull();
  });
});

describe("NfsMount inputs", () => {
  it("defaults to the runbook's options, mounted and in fstab, refusing to hide content", () => {
    const r = checkInputs(nfsMountInputsSchema, { __provider: "x", ...mountIn });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({
      fsType: "nfs",
      options: RUNBOOK_MOUNT_OPTIONS,
      mounted: true,
      inFstab: true,
      existingContent: "refuse",
      replaceDifferentSource: false,
    });
  });

  it.each([
    [{ mountPoint: "data" }, "mountPoint", "absolute"],
    [{ mountPoint: "./data" }, "mountPoint", "absolute"],
    [{ mountPoint: "/data/" }, "mountPoint", 'end with "/"'],
    [{ mountPoint: "/da ta" }, "mountPoint", "white space"],
    [{ exportPath: "/data|x" }, "exportPath", "shell metacharacters"],
    [{ options: ["hard rw"] }, "options[0]", "white space"],
    [{ options: ["hard\nrw"] }, "options[0]", "white space"],
    [{ options: ["rsize=32768;reboot"] }, "options[0]", "not a valid mount option"],
    [{ options: ["remount"] }, "options[0]", "action"],
    [{ options: [] }, "options", "at least one"],
    [{ server: "10.10.10.30:/data" }, "server", "host name"],
    [{ server: "root@nfs" }, "server", "host name"],
    [{ fsType: "cifs" }, "fsType", "nfs"],
    [{ existingContent: "overwrite" }, "existingContent", "carry"],
    [{ probeTimeoutSeconds: 0 }, "probeTimeoutSeconds", "at least 1"],
  ])("rejects %j naming %s", (patch, property, words) => {
    const failures = failuresOf(nfsMountInputsSchema, { ...mountIn, ...patch });
    const f = failures.find((x) => x.property === property);
    expect(f).toBeDefined();
    expect(f!.reason).toContain(words);
  });
});
