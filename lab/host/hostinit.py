#!/usr/bin/python3
"""The init of one lab host.

Started by the lab supervisor inside the host's network namespace and a private mount and UTS namespace
(`nsenter --net=... unshare --mount --uts --propagation private`). It mounts the host's /proc, /sys (fresh,
so it shows the host's own network devices), /dev, and fresh tmpfs /run and /tmp over the host's overlay
root, then "boots": runs the enabled SysV start links (/etc/rcS.d/S*, /etc/rc2.d/S*) and sshd, all chrooted
into the host's root. It stays outside the chroot itself so that it can serve the host's mount.nfs stand-in
(which needs the NFS server host's files) through a socket at /run/lab/hostinit.sock inside the host.

It is the host's child subreaper: daemons started inside the host (ganesha, xend, FUSE, guests) are
reparented to it and reaped by it. On SIGTERM it kills every process of the host (its cgroup) and exits; on
SIGHUP it reboots the host (stop links of runlevel 6, kill everything, fresh /run and /tmp, boot again).
"""
import ctypes
import fnmatch
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
MNT_DETACH = 2
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HERE = os.path.dirname(os.path.abspath(__file__))


def log(msg):
    sys.stdout.write("[hostinit %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stdout.flush()


def ip_in(ip, net, bits):
    def num(a):
        p = [int(x) for x in a.split(".")]
        return (p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]
    try:
        mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
        return num(ip) & mask == num(net) & mask
    except (ValueError, IndexError):
        return False


def client_matches(spec, ip, names, hosts):
    """An exports(5) client against a client address and its names (from the server's /etc/hosts)."""
    if spec == "*":
        return True
    if spec.startswith("@") or spec.startswith("gss/"):
        return False
    if "/" in spec:
        net, mask = spec.split("/", 1)
        if "." in mask:
            bits = sum(bin(int(x)).count("1") for x in mask.split(".") if x.isdigit())
        else:
            bits = int(mask) if mask.isdigit() else 32
        return ip_in(ip, net, bits)
    if any(c in spec for c in "*?["):
        return any(fnmatch.fnmatch(n, spec) for n in names)
    return spec == ip or ip in hosts.get(spec, [])


def export_access(server_root, path, ip):
    """What the server grants `ip` on `path`, read from its export table: the deepest exported folder
    containing `path`, its first client entry matching `ip` (nfs-utils keeps them in /etc/exports order)."""
    hosts, names = {}, []
    try:
        with open(server_root + "/etc/hosts") as f:
            for line in f:
                parts = line.split("#", 1)[0].split()
                for n in parts[1:]:
                    hosts.setdefault(n, []).append(parts[0])
                if parts and parts[0] == ip:
                    names += parts[1:]
    except OSError:
        pass
    try:
        with open(server_root + "/var/lib/nfs/etab") as f:
            lines = [line.rstrip("\n") for line in f if "\t" in line]
    except OSError:
        lines = []
    best = None
    for line in lines:
        epath, rest = line.split("\t", 1)
        epath = epath.replace("\\040", " ")
        if not (path == epath or path.startswith(epath.rstrip("/") + "/")):
            continue
        spec, opts = rest[:rest.index("(")], rest[rest.index("(") + 1:-1].split(",sec=")[0].split(",")
        if not client_matches(spec, ip, names, hosts):
            continue
        if best is None or len(epath) > len(best[0]):
            best = (epath, opts)
    if best is None:
        return {"ro": False, "squash": "root", "anonuid": 65534, "anongid": 65534}
    opts = best[1]
    kv = dict(o.split("=", 1) for o in opts if "=" in o)
    squash = "all" if "all_squash" in opts else ("none" if "no_root_squash" in opts else "root")
    return {"ro": "ro" in opts, "squash": squash, "anonuid": int(kv.get("anonuid", 65534)),
            "anongid": int(kv.get("anongid", 65534))}


class Host:
    def __init__(self, cfg):
        self.cfg = cfg
        self.name = cfg["name"]
        self.root = cfg["root"]
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.sshd = None
        self.stopping = False
        self.want_reboot = False
        self.sel = selectors.DefaultSelector()
        self.listener = None
        self.disks = set()

    # ---- namespaces and file systems -------------------------------------------------------------
    def sh(self, *argv):
        subprocess.run(argv, check=True)

    def join_cgroup(self):
        cg = self.cfg.get("cgroup")
        if cg:
            with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

    def mountpoints(self):
        out = []
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mp = line.split()[4].replace("\\040", " ")
                if mp.startswith(self.root + "/"):
                    out.append(mp)
        return out

    def mount_base(self):
        r = self.root
        # what is mounted in the root already (the NFS server's /data volume) is the host's disk: it stays
        # across reboots
        self.disks = set(self.mountpoints())
        self.sh("mount", "-t", "proc", "-o", "nosuid,nodev,noexec", "proc", r + "/proc")
        self.sh("mount", "-t", "sysfs", "-o", "nosuid,nodev,noexec", "sysfs", r + "/sys")
        self.sh("mount", "--rbind", "/dev", r + "/dev")
        self.mount_volatile()

    def mount_volatile(self):
        r = self.root
        self.sh("mount", "-t", "tmpfs", "-o", "nosuid,nodev,mode=755,size=64m", "tmpfs", r + "/run")
        self.sh("mount", "-t", "tmpfs", "-o", "nosuid,nodev,mode=1777,size=512m", "tmpfs", r + "/tmp")
        # programs a host runs from the work tree (the simulator's wrappers) must stay reachable when the
        # tree lives under a folder the host has its own of (a CI clone in /tmp)
        for p in self.cfg.get("expose", []):
            if any(p == v or p.startswith(v + "/") for v in ("/tmp", "/run")):
                os.makedirs(r + p, exist_ok=True)
                self.sh("mount", "--bind", p, r + p)
        for d, mode in (("/run/sshd", 0o755), ("/run/lock", 0o1777), ("/run/lab", 0o700), ("/run/netns", 0o755)):
            os.makedirs(r + d, exist_ok=True)
            os.chmod(r + d, mode)

    def unmount_volatile(self):
        """Everything mounted under the root except the base mounts (NFS stand-ins, /run, /tmp)."""
        base = {self.root + p for p in ("/proc", "/sys", "/dev")}
        targets = [mp for mp in self.mountpoints()
                   if mp not in self.disks and not any(mp == b or mp.startswith(b + "/") for b in base)]
        for mp in sorted(targets, key=len, reverse=True):
            self.libc.umount2(mp.encode(), MNT_DETACH)

    # ---- processes -------------------------------------------------------------------------------
    def in_root(self):
        os.chroot(self.root)
        os.chdir("/")
        os.setsid()
        signal.pthread_sigmask(signal.SIG_SETMASK, [])

    def child_env(self):
        return {"PATH": PATH, "HOME": "/root", "LANG": "C.UTF-8", "RUNLEVEL": "2", "PREVLEVEL": "N"}

    def run_links(self, dirs, action):
        for d in dirs:
            full = self.root + d
            if not os.path.isdir(full):
                continue
            prefix = "S" if action == "start" else "K"
            for entry in sorted(os.listdir(full)):
                if not entry.startswith(prefix):
                    continue
                script = d + "/" + entry
                log("%s %s" % (script, action))
                try:
                    p = subprocess.Popen([script, action], preexec_fn=self.in_root, env=self.child_env(),
                                         stdin=subprocess.DEVNULL)
                    self.wait_pid(p.pid, 120)
                except OSError as e:
                    log("%s: %s" % (script, e))

    def wait_pid(self, pid, timeout):
        """Wait for one child while still reaping orphans (which are reparented to us)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for p, status in self.reap():
                if p == pid:
                    return status
            time.sleep(0.02)
        log("pid %d still running after %ds" % (pid, timeout))
        return None

    def reap(self):
        out = []
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return out
            if pid == 0:
                return out
            if self.sshd is not None and pid == self.sshd:
                log("sshd exited (status %d)" % status)
                self.sshd = None
            out.append((pid, status))

    def start_sshd(self):
        p = subprocess.Popen(["/usr/sbin/sshd", "-D", "-E", "/var/log/auth.log"], preexec_fn=self.in_root,
                             env=self.child_env(), stdin=subprocess.DEVNULL)
        self.sshd = p.pid
        deadline = time.time() + 15
        while time.time() < deadline:
            self.reap()
            try:
                with socket.create_connection((self.cfg["address"], 22), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("sshd did not start listening on %s:22" % self.cfg["address"])

    def host_pids(self):
        """Every process of this host but us: the host's cgroup, else our descendants."""
        me = os.getpid()
        cg = self.cfg.get("cgroup")
        if cg:
            with open(os.path.join(cg, "cgroup.procs")) as f:
                return [int(x) for x in f.read().split() if int(x) != me]
        children = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    children.setdefault(ppid, []).append(int(d))
                except (OSError, IndexError, ValueError):
                    pass
        out, todo = [], [me]
        while todo:
            for c in children.get(todo.pop(), []):
                out.append(c)
                todo.append(c)
        return out

    def kill_all(self, grace):
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
            pids = self.host_pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.time() + wait
            while time.time() < deadline and self.host_pids():
                self.reap()
                time.sleep(0.02)
        self.reap()

    # ---- boot, reboot, shutdown ------------------------------------------------------------------
    def status(self, state):
        path = self.cfg.get("statusFile")
        if path:
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"state": state, "pid": os.getpid(), "at": time.time()}, f)
            os.rename(tmp, path)

    def boot(self):
        self.status("booting")
        socket.sethostname(self.name)
        self.listen()
        self.run_links(["/etc/rcS.d", "/etc/rc2.d"], "start")
        self.start_sshd()
        self.status("running")
        log("up")

    def reboot(self):
        log("reboot")
        self.status("rebooting")
        self.run_links(["/etc/rc6.d"], "stop")
        self.kill_all(3)
        if self.listener is not None:
            self.sel.unregister(self.listener)
            self.listener.close()
            self.listener = None
        self.unmount_volatile()
        self.mount_volatile()
        self.boot()

    # ---- the host's mount.nfs stand-in asks us to mount the NFS passthrough -------------------------
    def listen(self):
        path = self.root + "/run/lab/hostinit.sock"
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        os.chmod(path, 0o600)
        s.listen(8)
        s.setblocking(False)
        self.listener = s
        self.sel.register(s, selectors.EVENT_READ, "listener")

    def serve(self, conn):
        conn.settimeout(30)
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        try:
            req = json.loads(data.decode())
            resp = self.handle(req)
        except Exception as e:  # the stand-in prints whatever we say
            resp = {"ok": False, "error": str(e)}
        try:
            conn.sendall((json.dumps(resp) + "\n").encode())
        except OSError:
            pass
        conn.close()

    def source_address(self, server):
        """This host's address on the server's segment (the address the server sees)."""
        net = server.rsplit(".", 1)[0] + "."
        for h in self.cfg["hosts"]:
            if h["name"] == self.name:
                for a in h["addresses"]:
                    if a.startswith(net):
                        return a
                return h["addresses"][0]
        return None

    def server_root(self, server):
        for h in self.cfg["hosts"]:
            if server == h["name"] or server in h["addresses"]:
                return h["root"]
        return None

    def handle(self, req):
        op = req.get("op")
        if op == "reboot":
            self.want_reboot = True
            return {"ok": True}
        if op == "exported":
            root = self.server_root(req["server"])
            if root is None:
                return {"ok": True, "exported": False}
            try:
                with open(root + "/var/lib/nfs/etab") as f:
                    paths = [line.split("\t", 1)[0] for line in f if line.strip()]
            except OSError:
                paths = []
            p = req["path"].rstrip("/") or "/"
            hit = any(p == e or p.startswith(e.rstrip("/") + "/") for e in paths)
            return {"ok": True, "exported": hit}
        if op == "mount":
            root = self.server_root(req["server"])
            if root is None:
                return {"ok": False, "error": "unknown server %s" % req["server"]}
            src = os.path.normpath(root + "/" + req["path"].lstrip("/"))
            if not (src == root or src.startswith(root + "/")) or not os.path.isdir(src):
                return {"ok": False, "error": "No such file or directory"}
            target = os.path.normpath(self.root + "/" + req["target"].lstrip("/"))
            access = export_access(root, req["path"], self.source_address(req["server"]))
            r, w = os.pipe()
            argv = ["/usr/bin/python3", os.path.join(HERE, "nfs_passthrough.py"), src, target,
                    req["fsname"], "ro" if req.get("ro") else "rw", str(w), json.dumps(access)]
            p = subprocess.Popen(argv, pass_fds=[w], stdin=subprocess.DEVNULL, env={"PATH": PATH})
            os.close(w)
            ready = b""
            deadline = time.time() + 10
            os.set_blocking(r, False)
            while time.time() < deadline:
                try:
                    chunk = os.read(r, 100)
                except BlockingIOError:
                    chunk = None
                if chunk == b"":
                    break
                if chunk:
                    ready += chunk
                    if b"\n" in ready:
                        break
                if p.poll() is not None:
                    break
                time.sleep(0.01)
            os.close(r)
            if ready.startswith(b"ready"):
                return {"ok": True, "pid": p.pid}
            if p.poll() is None:
                p.kill()
            return {"ok": False, "error": ready.decode(errors="replace").strip() or "FUSE daemon failed"}
        return {"ok": False, "error": "unknown op %r" % op}

    # ---- main loop -------------------------------------------------------------------------------
    def run(self):
        self.join_cgroup()
        self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        rfd, wfd = os.pipe()
        os.set_blocking(wfd, False)
        os.set_blocking(rfd, False)
        signal.set_wakeup_fd(wfd)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(sig, self.on_signal)
        self.sel.register(rfd, selectors.EVENT_READ, "wakeup")
        self.mount_base()
        self.boot()
        ready_fd = self.cfg.get("readyFd")
        if ready_fd is not None:
            try:
                os.write(ready_fd, b"ready\n")
                os.close(ready_fd)
            except OSError:
                pass
        while not self.stopping:
            for key, _ in self.sel.select(timeout=1):
                if key.data == "wakeup":
                    try:
                        os.read(rfd, 4096)
                    except BlockingIOError:
                        pass
                elif key.data == "listener":
                    try:
                        conn, _ = self.listener.accept()
                    except BlockingIOError:
                        continue
                    conn.setblocking(True)
                    self.serve(conn)
            self.reap()
            if self.want_reboot and not self.stopping:
                self.want_reboot = False
                self.reboot()
        log("shutting down")
        self.status("stopping")
        self.kill_all(3)
        self.status("stopped")

    def on_signal(self, sig, _frame):
        if sig in (signal.SIGTERM, signal.SIGINT):
            self.stopping = True
        elif sig == signal.SIGHUP:
            self.want_reboot = True


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    if len(sys.argv) > 2:
        cfg["readyFd"] = int(sys.argv[2])
    try:
        Host(cfg).run()
    except Exception as e:
        log("fatal: %s" % e)
        raise


if __name__ == "__main__":
    main()
