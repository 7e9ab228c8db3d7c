import { impl as exportImpl } from "../../../provider/resources/nfs-export/impl";
import { nfsExportInputsSchema, type NfsExportOutputs } from "../../../provider/resources/nfs-export/schema";
import { impl as mountImpl } from "../../../provider/resources/nfs-mount/impl";
import { nfsMountInputsSchema, type NfsMountOutputs } from "../../../provider/resources/nfs-mount/schema";

const connection = { host: "198.18.0.11", insecureIgnoreHostKey: true };
const mountIn = nfsMountInputsSchema.parse({ connection, server: "10.10.10.30", exportPath: "/data", mountPoint: "/data" });
const mountOut = (patch: Partial<NfsMountOutputs> = {}): NfsMountOutputs => ({
  ...mountIn, mount: null, fstabLine: null, drift: [], createdMountPoint: false, backupPath: null, ...patch,
});
const exportIn = nfsExportInputsSchema.parse({ connection, path: "/data", clients: [{ host: "10.10.10.10" }] });
const exportOut = (patch: Partial<NfsExportOutputs> = {}): NfsExportOutputs => ({
  ...exportIn, entry: null, live: [], service: null, drift: [], backupPath: null, ...patch,
});

describe("NfsMount diff", () => {
  it("sees no change when converged, or when only a time limit changed", () => {
    expect(mountImpl.diff(mountOut(), mountIn).changes).toBe(false);
    expect(mountImpl.diff(mountOut(), { ...mountIn, timeoutSeconds: 300, probeTimeoutSeconds: 9 }).changes).toBe(false);
  });
  it("updates on recorded drift and on option changes", () => {
    expect(mountImpl.diff(mountOut({ drift: ["/data is not mounted"] }), mountIn)).toMatchObject({ changes: true, replaces: [] });
    expect(mountImpl.diff(mountOut(), { ...mountIn, options: ["soft"] })).toMatchObject({ changes: true, replaces: [] });
    // read reports the real state in the inputs' shape: a manual unmount differs from mounted: true
    expect(mountImpl.diff(mountOut({ mounted: false }), mountIn).changes).toBe(true);
  });
  it("replaces, unmounting first, when the source or the mount point changes", () => {
    expect(mountImpl.diff(mountOut(), { ...mountIn, server: "10.10.10.31" })).toMatchObject({
      changes: true, replaces: ["server"], deleteBeforeReplace: true,
    });
    expect(mountImpl.diff(mountOut(), { ...mountIn, mountPoint: "/srv/data" }).replaces).toEqual(["mountPoint"]);
  });
});

describe("NfsExport diff", () => {
  it("sees no change when converged and updates on drift or new clients", () => {
    expect(exportImpl.diff(exportOut(), exportIn).changes).toBe(false);
    expect(exportImpl.diff(exportOut({ drift: ["service nfs is not running"] }), exportIn).changes).toBe(true);
    expect(exportImpl.diff(exportOut(), { ...exportIn, clients: [...exportIn.clients, { host: "10.10.10.20", options: ["ro"] }] }).replaces).toEqual([]);
  });
  it("replaces when the path or the host changes", () => {
    expect(exportImpl.diff(exportOut(), { ...exportIn, path: "/srv" }).replaces).toEqual(["path"]);
    expect(exportImpl.diff(exportOut(), { ...exportIn, connection: { ...exportIn.connection, host: "198.18.0.31" } }).replaces).toEqual(["connection"]);
  });
});
