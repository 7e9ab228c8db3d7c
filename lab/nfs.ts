/** The NFS server's and clients' stand-ins, copied into host roots (the programs live in lab/host/). */
import * as fs from "fs";
import * as path from "path";
import { writeFile } from "./files";

/** Debian's /etc/exports as nfs-kernel-server installs it: comments only, nothing exported. */
export const DEBIAN_EXPORTS = [
  "# /etc/exports: the access control list for filesystems which may be exported",
  "#\t\tto NFS clients.  See exports(5).",
  "#",
  "# Example for NFSv2 and NFSv3:",
  "# /srv/homes       hostname1(rw,sync,no_subtree_check) hostname2(ro,sync,no_subtree_check)",
  "#",
  "# Example for NFSv4:",
  "# /srv/nfs4        gss/krb5i(rw,sync,fsid=0,crossmnt,no_subtree_check)",
  "# /srv/nfs4/homes  gss/krb5i(rw,sync,no_subtree_check)",
  "#",
  "",
].join("\n");

function copyTool(root: string, tools: string, from: string, to: string): void {
  writeFile(root, to, fs.readFileSync(path.join(tools, from), "utf8"), 0o755);
}

export function installNfsServer(root: string, tools: string): void {
  if (!fs.existsSync(path.join(tools, "exportfs.py"))) return;
  writeFile(root, "etc/exports", DEBIAN_EXPORTS);
  copyTool(root, tools, "exportfs.py", "usr/sbin/exportfs");
  copyTool(root, tools, "nfs-kernel-server.init", "etc/init.d/nfs-kernel-server");
  writeFile(root, "etc/ganesha/ganesha.conf", fs.readFileSync(path.join(tools, "ganesha.conf"), "utf8"));
  writeFile(root, "etc/ganesha/exports.conf", "# written by exportfs from /etc/exports\n");
  writeFile(root, "var/lib/nfs/etab", "");
  fs.mkdirSync(path.join(root, "var/lib/nfs/ganesha"), { recursive: true });
  fs.mkdirSync(path.join(root, "var/log/ganesha"), { recursive: true });
  fs.chmodSync(path.join(root, "data"), 0o755);
}

export function installNfsClient(root: string, tools: string): void {
  if (!fs.existsSync(path.join(tools, "mount_nfs.py"))) return;
  copyTool(root, tools, "mount_nfs.py", "usr/sbin/mount.nfs");
  copyTool(root, tools, "mount_nfs.py", "usr/sbin/mount.nfs4");
}
