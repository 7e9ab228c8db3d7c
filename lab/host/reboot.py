#!/usr/bin/python3
"""reboot / shutdown -r for a lab host: asks the host's init to reboot it (stop links, every process killed,
fresh /run and /tmp, boot again). Like the real command it returns at once; the SSH session that ran it
is cut when the host goes down."""
import json
import os
import socket
import sys


def main(argv):
    prog = os.path.basename(sys.argv[0])
    if prog == "shutdown" and "-r" not in argv:
        sys.stderr.write("shutdown: a lab host only reboots (shutdown -r); use lab:down to stop the lab\n")
        return 1
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("/run/lab/hostinit.sock")
    s.sendall((json.dumps({"op": "reboot"}) + "\n").encode())
    s.recv(4096)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
