#!/usr/bin/python3
"""mount.nfs / mount.nfs4 for a lab host (the kernel here has no NFS client).

Called by mount(8) as the real helper is: `mount.nfs SERVER:/PATH DIR [-fnrsvVw] [-o OPTIONS]`. It asks the NFS
server, from this host's own address, whether this host may mount the export (libnfs' nfs-ls, NFSv4), and
fails as the real helper does when it may not (exit 32). Then the host's init mounts a FUSE passthrough of
the export's folder on DIR with source SERVER:/PATH and type fuse.nfs. Options the kernel's NFS client would
take (hard, rsize=, timeo=, vers=4...) are accepted; only ro/rw reach the FUSE mount.
"""
import getopt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

SOCK = "/run/lab/hostinit.sock"
EX_FAIL = 32
EX_USAGE = 1


def ask(req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(SOCK)
    s.sendall((json.dumps(req) + "\n").encode())
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data.decode())


def mounted_at(target):
    """Sources mounted on `target`, from this process's mountinfo."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.rstrip("\n").split(" - ", 1)
            mp = left.split(" ")[4].replace("\\040", " ")
            if mp == target:
                out.append(right.split(" ")[1])
    return out


def main(argv):
    prog = os.path.basename(sys.argv[0])
    if len(argv) < 2 or argv[0].startswith("-"):
        sys.stderr.write("usage: %s remotetarget dir [-rvVwfnsh] [-o nfsoptions]\n" % prog)
        return EX_USAGE
    spec, target, rest = argv[0], argv[1], argv[2:]
    try:
        opts, _ = getopt.getopt(rest, "fnrsvVwho:t:")
    except getopt.GetoptError as e:
        sys.stderr.write("%s: %s\n" % (prog, e))
        return EX_USAGE
    options, verbose, ro = [], False, False
    for o, v in opts:
        if o == "-o":
            options += [x for x in v.split(",") if x]
        elif o == "-v":
            verbose = True
        elif o == "-r":
            ro = True
        elif o == "-w":
            ro = False
        elif o == "-V":
            print("%s: (linux nfs-utils 2.6.2)" % prog)
            return 0
    for x in options:
        if x == "ro":
            ro = True
        elif x == "rw":
            ro = False

    if "remount" in options:
        # the kernel's remount of the FUSE mount: only the generic flags apply
        return subprocess.call(["mount", "-i", "-o", "remount,nosuid,nodev," + ("ro" if ro else "rw"), target])

    if spec.startswith("["):
        host, _, path = spec[1:].partition("]:")
    else:
        host, _, path = spec.partition(":")
    if not host or not path.startswith("/"):
        sys.stderr.write("%s: remote share not in 'host:dir' format\n" % prog)
        return EX_FAIL
    if not os.path.isdir(target):
        sys.stderr.write("%s: mount point %s does not exist\n" % (prog, target))
        return EX_FAIL
    target = os.path.realpath(target)

    for x in options:
        k, _, v = x.partition("=")
        if (k in ("vers", "nfsvers") and v.split(".")[0] in ("2", "3")) or (k in ("proto", "udp") and v != "tcp") \
                or x in ("v2", "v3", "udp"):
            sys.stderr.write("%s: requested NFS version or transport protocol is not supported\n" % prog)
            return EX_FAIL

    try:
        addr = socket.getaddrinfo(host, 2049, proto=socket.IPPROTO_TCP)[0][4][0]
    except socket.gaierror as e:
        sys.stderr.write("%s: Failed to resolve server %s: %s\n" % (prog, host, e.strerror))
        return EX_FAIL

    if spec in mounted_at(target):
        sys.stderr.write("%s: %s is busy or already mounted\n" % (prog, target))
        return EX_FAIL

    if verbose:
        sys.stderr.write("%s: timeout set for %s\n" % (prog, time.ctime(time.time() + 120)))
        shown = [x for x in options if x not in ("ro", "rw", "defaults")] + ["vers=4.2", "addr=%s" % addr]
        sys.stderr.write("%s: trying text-based options '%s'\n" % (prog, ",".join(shown)))

    url = "nfs://%s%s?version=4" % ("[%s]" % addr if ":" in addr else addr, urllib.parse.quote(path))
    err = ""
    for attempt in range(3):
        try:
            r = subprocess.run(["nfs-ls", url], capture_output=True, text=True, timeout=20)
        except subprocess.TimeoutExpired:
            sys.stderr.write("%s: Connection timed out\n" % prog)
            return EX_FAIL
        if r.returncode == 0:
            break
        err = r.stderr
        if "NFS4ERR" in err:
            exported = ask({"op": "exported", "server": addr, "path": path}).get("exported")
            if exported:
                sys.stderr.write("%s: access denied by server while mounting %s\n" % (prog, spec))
            else:
                sys.stderr.write("%s: mounting %s failed, reason given by server: No such file or directory\n"
                                 % (prog, spec))
            return EX_FAIL
        time.sleep(0.5)
    else:
        # nothing answers NFS there (libnfs says "nfs_service failed"): the real helper gives up with
        sys.stderr.write("%s: Connection refused\n" % prog)
        return EX_FAIL

    resp = ask({"op": "mount", "server": addr, "path": path, "target": target, "fsname": spec, "ro": ro})
    if not resp.get("ok"):
        sys.stderr.write("%s: %s\n" % (prog, resp.get("error", "mount failed")))
        return EX_FAIL
    record_options(spec, target, [x for x in options if x not in ("ro", "rw", "defaults")])
    return 0


def mangle(s):
    return s.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011").replace("\n", "\\012")


def record_options(spec, target, options):
    """The NFS options the FUSE mount cannot carry go to libmount's utab, as helpers do for user-space
    options: `mount` (the listing) then shows them after the kernel's; umount drops the entry."""
    if not options:
        return
    ids = [line.split(" ")[0] for line in open("/proc/self/mountinfo")
           if line.split(" ")[4].replace("\\040", " ") == target]
    if not ids:
        return
    import fcntl
    os.makedirs("/run/mount", exist_ok=True)
    with open("/run/mount/utab.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open("/run/mount/utab", "a") as f:
            f.write("ID=%s SRC=%s TARGET=%s ROOT=/ OPTS=%s\n" % (ids[-1], mangle(spec), mangle(target), mangle(",".join(options))))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
