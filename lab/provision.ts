/**
 * Lays out a host's own files in its overlay root (through the merged mount, before the host boots): identity,
 * sshd, a clean boot (no SysV links from the machine's own packages), and the role's stand-ins.
 */
import * as fs from "fs";
import * as path from "path";
import { HostPlan } from "./topology";
import { LabPaths } from "./paths";
import { installNfsServer, installNfsClient } from "./nfs";
import { writeFile } from "./files";

export interface ProvisionInput {
  plan: HostPlan;
  all: HostPlan[];
  paths: LabPaths;
  /** the host's merged root */
  root: string;
  publicKey: string;
  hostPrivateKey: string;
  hostPublicKey: string;
}

export function sshdConfig(): string {
  return [
    "# sshd of a xen-ha lab host",
    "Port 22",
    "ListenAddress 0.0.0.0",
    "HostKey /etc/ssh/ssh_host_ed25519_key",
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "AuthorizedKeysFile /etc/ssh/authorized_keys/%u .ssh/authorized_keys",
    "UsePAM no",
    "UseDNS no",
    "PrintMotd no",
    "PidFile /run/sshd.pid",
    "AcceptEnv LANG LC_*",
    "Subsystem sftp /usr/lib/openssh/sftp-server",
    "",
  ].join("\n");
}

export function etcHosts(all: HostPlan[]): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", ""];
  for (const h of all) lines.push(`${h.address}\t${h.name}`);
  for (const h of all) lines.push(`${h.interfaces[1].address}\t${h.name}-lan1`);
  return lines.join("\n") + "\n";
}

const FSTAB = [
  "# /etc/fstab: static file system information.",
  "#",
  "# <file system> <mount point>   <type>  <options>       <dump>  <pass>",
  "",
].join("\n");

export function provisionHost(input: ProvisionInput): void {
  const { plan, paths } = input;
  const root = input.root;
  writeFile(root, "etc/hostname", plan.name + "\n");
  writeFile(root, "etc/hosts", etcHosts(input.all));
  writeFile(root, "etc/fstab", FSTAB);
  // no DNS in the lab (hosts have no route out); names are in /etc/hosts
  writeFile(root, "etc/resolv.conf", "# xen-ha lab host: no DNS, see /etc/hosts\n");
  // sshd without PAM refuses keys for a locked account ("!" password), which some images give root
  const shadow = path.join(root, "etc/shadow");
  const st = fs.statSync(shadow);
  const text = fs.readFileSync(shadow, "utf8");
  writeFile(root, "etc/shadow", text.replace(/^root:!+[^:]*:/m, "root:*:"), st.mode & 0o7777);
  fs.chownSync(shadow, st.uid, st.gid);
  writeFile(root, "etc/ssh/sshd_config", sshdConfig());
  fs.rmSync(path.join(root, "etc/ssh/sshd_config.d"), { recursive: true, force: true });
  for (const f of fs.readdirSync(path.join(root, "etc/ssh"))) {
    if (f.startsWith("ssh_host_")) fs.rmSync(path.join(root, "etc/ssh", f));
  }
  writeFile(root, "etc/ssh/ssh_host_ed25519_key", input.hostPrivateKey, 0o600);
  writeFile(root, "etc/ssh/ssh_host_ed25519_key.pub", input.hostPublicKey);
  writeFile(root, "etc/ssh/authorized_keys/root", input.publicKey + "\n");
  // root's dot files as on a fresh Debian host (the machine's own may run heavy shell init on every exec)
  for (const f of [".bashrc", ".profile"]) {
    writeFile(root, `root/${f}`, fs.readFileSync(path.join("/etc/skel", f), "utf8"));
  }
  fs.rmSync(path.join(root, "root/.ssh"), { recursive: true, force: true });
  // boot runs only what is enabled on this host, not the machine's packages' links
  for (const d of ["rc0.d", "rc1.d", "rc2.d", "rc3.d", "rc4.d", "rc5.d", "rc6.d", "rcS.d"]) {
    const dir = path.join(root, "etc", d);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
  }
  fs.mkdirSync(path.join(root, "data"), { recursive: true });
  fs.mkdirSync(path.join(root, "var/log"), { recursive: true });
  for (const cmd of ["usr/sbin/reboot", "usr/sbin/shutdown"]) {
    writeFile(root, cmd, fs.readFileSync(path.join(paths.hostTools, "reboot.py"), "utf8"), 0o755);
  }
  if (plan.role === "nfs") installNfsServer(root, paths.hostTools);
  else installNfsClient(root, paths.hostTools);
}
