#!/usr/bin/python3
"""FUSE passthrough that stands in for an NFS mount on a lab host.

argv: SOURCE_DIR MOUNTPOINT FSNAME ro|rw READY_FD
SOURCE_DIR is the exported folder inside the NFS server host's root; MOUNTPOINT is the path inside the
client host's root, in the client host's mount namespace (hostinit starts us there). fsname=SERVER:/PATH and
subtype=nfs make /proc/self/mountinfo show source SERVER:/PATH and type fuse.nfs. The process exits when the
file system is unmounted (umount inside the host).
"""
import ctypes
import errno
import json
import os
import sys

from fusepy import FUSE, FuseOSError, Operations, fuse_get_context

libc = ctypes.CDLL(None, use_errno=True)
WRITES = {"chmod", "chown", "mknod", "rmdir", "mkdir", "unlink", "symlink", "rename", "link", "utimens",
          "create", "write", "truncate"}


class Passthrough(Operations):
    """Serves the export's folder with the server's verdict for this client applied, as the NFS server
    would: a read-only export gives EROFS on every change; root (or everyone, with all_squash) acts as the
    anonymous uid/gid, so a root_squash export lets root write only where nobody may."""

    def __init__(self, root, ready_fd, access):
        self.root = root
        self.ready_fd = ready_fd
        self.grant = access

    def __call__(self, op, *args):
        if op in WRITES and self.grant.get("ro"):
            raise FuseOSError(errno.EROFS)
        if op == "open" and self.grant.get("ro") and args[1] & (os.O_WRONLY | os.O_RDWR | os.O_TRUNC):
            raise FuseOSError(errno.EROFS)
        uid, gid, _ = fuse_get_context()
        squash = self.grant.get("squash", "root")
        if squash == "all" or (squash == "root" and uid == 0):
            uid, gid = self.grant.get("anonuid", 65534), self.grant.get("anongid", 65534)
        # fsuid/fsgid are per thread: the underlying file system then judges and owns as that user
        libc.setfsgid(gid)
        libc.setfsuid(uid)
        try:
            return super().__call__(op, *args)
        finally:
            libc.setfsuid(0)
            libc.setfsgid(0)

    def _p(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def init(self, path):
        if self.ready_fd is not None:
            os.write(self.ready_fd, b"ready\n")
            os.close(self.ready_fd)
            self.ready_fd = None

    def access(self, path, mode):
        if not os.access(self._p(path), mode, effective_ids=True):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        os.chmod(self._p(path), mode)

    def chown(self, path, uid, gid):
        os.lchown(self._p(path), uid, gid)

    def getattr(self, path, fh=None):
        st = os.lstat(self._p(path))
        return {k: getattr(st, k) for k in ("st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime",
                                             "st_nlink", "st_size", "st_uid", "st_ino", "st_blocks")}

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._p(path))

    def readlink(self, path):
        return os.readlink(self._p(path))

    def mknod(self, path, mode, dev):
        os.mknod(self._p(path), mode, dev)

    def rmdir(self, path):
        os.rmdir(self._p(path))

    def mkdir(self, path, mode):
        os.mkdir(self._p(path), mode)

    def statfs(self, path):
        sv = os.statvfs(self._p(path))
        return {k: getattr(sv, k) for k in ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail",
                                             "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")}

    def unlink(self, path):
        os.unlink(self._p(path))

    def symlink(self, name, target):
        os.symlink(target, self._p(name))

    def rename(self, old, new):
        os.rename(self._p(old), self._p(new))

    def link(self, target, name):
        os.link(self._p(name), self._p(target))

    def utimens(self, path, times=None):
        os.utime(self._p(path), times, follow_symlinks=False)

    def open(self, path, flags):
        return os.open(self._p(path), flags)

    def create(self, path, mode, fi=None):
        return os.open(self._p(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)

    def read(self, path, length, offset, fh):
        return os.pread(fh, length, offset)

    def write(self, path, buf, offset, fh):
        return os.pwrite(fh, buf, offset)

    def truncate(self, path, length, fh=None):
        if fh is not None:
            os.ftruncate(fh, length)
        else:
            os.truncate(self._p(path), length)

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        os.close(fh)

    def fsync(self, path, datasync, fh):
        if datasync:
            os.fdatasync(fh)
        else:
            os.fsync(fh)

    def fsyncdir(self, path, datasync, fh):
        return 0


def main():
    src, mountpoint, fsname, mode, ready_fd = sys.argv[1:6]
    access = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
    FUSE(Passthrough(src, int(ready_fd), access), mountpoint, foreground=True, allow_other=True, use_ino=True,
         fsname=fsname, subtype="nfs", ro=(mode == "ro"), nothreads=False)


if __name__ == "__main__":
    main()
