#!/usr/bin/env bash
# Installs the Debian packages the lab needs. Idempotent: runs `apt-get update` and `apt-get install` only when
# something is missing, so a second run costs a few dpkg queries. The image's policy-rc.d keeps every package's
# service from starting; the lab starts sshd and ganesha itself, inside its hosts.
set -euo pipefail

PACKAGES=(
  openssh-server openssh-client # one sshd per host; ssh for xl migrate between hosts
  nfs-ganesha nfs-ganesha-vfs   # the NFS server on the nfs host (NFSv4, no rpcbind)
  libnfs-utils                  # nfs-ls: the mount.nfs stand-in's access check
  python3-fusepy fuse3          # the FUSE passthrough behind the mount.nfs stand-in (honours fsname/subtype)
  iputils-ping iputils-arping   # observer pings; gratuitous ARP after a migration
  iproute2 util-linux procps psmisc kmod
  sudo                          # the ssh layer's sudo tests (a non-root user on a lab host)
)
# --real-xen: the real-Xen tier (lab/realxen/) boots Xen hosts in QEMU and builds their images from Debian packages
if [ "${1:-}" = "--real-xen" ]; then
  PACKAGES+=(qemu-system-x86 qemu-utils e2fsprogs binutils kmod)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "lab packages: all installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "lab packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
