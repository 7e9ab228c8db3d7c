#!/usr/bin/env bash
# Builds the real-Xen tier's boot images from Debian packages only (apt-get download + dpkg -x; nothing is
# downloaded from anywhere else) and caches them under $XENHA_REALXEN_CACHE (default /var/cache/xen-ha-realxen),
# in a folder keyed by the package versions, so a second run only prints the folder.
#
# Output folder (printed on stdout's last line):
#   xen            the hypervisor, gunzipped (qemu's -kernel wants a multiboot ELF)
#   vmlinuz        the dom0 kernel (also the domU kernel, inside the dom0 image as /boot/vmlinuz)
#   dom0.cpio.gz   the dom0 root: busybox init, xen-utils, sshd, mount.nfs, iproute2, the kernel modules it needs,
#                  and /boot/domU.cpio.gz (a busybox initramfs that configures its network from the command line)
#   versions.txt   the package versions the folder was built from
# Per-host files (address, host key, authorized key) are a small second cpio the lab appends to dom0.cpio.gz.
set -euo pipefail

# The bookworm-security hypervisor (4.17.7+13…deb12u1) is built without shadow paging: PV live migration fails
# there with "Failed to enable logdirty". The bookworm main build migrates. Keep this pin.
XEN_HV_VERSION="${XENHA_REALXEN_XEN_VERSION:-4.17.5+72-g01140da4e8-1}"
CACHE="${XENHA_REALXEN_CACHE:-/var/cache/xen-ha-realxen}"
HERE="$(cd "$(dirname "$0")" && pwd)"

log() { echo "realxen-build: $*" >&2; }

# "name version" lines for the given package names, from one apt-cache call (it is slow on a busy machine)
candidates() { apt-cache policy "$@" | awk '/^[^ ]/ {p=$1; sub(/:$/, "", p)} /Candidate:/ {print p, $2}'; }


KPKG="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6/ {print $2; exit}')"
[ -n "$KPKG" ] || { log "cannot find the linux-image-6.1 package behind linux-image-amd64 (apt-get update?)"; exit 1; }
KVER="${KPKG#linux-image-}"

# the packages whose files make the images; their libraries are added by the ELF closure below
PKGS=(
  "xen-hypervisor-4.17-amd64=$XEN_HV_VERSION"
  "$KPKG"
  xen-utils-4.17 xen-utils-common xenstore-utils libxenmisc4.17
  libgcc-s1 busybox-static dash bash coreutils util-linux mount findutils grep sed mawk gzip tar procps psmisc
  openssh-server openssh-client openssh-sftp-server
  nfs-common iproute2 iputils-ping
)

# the Xen tools' own libraries are not on the build machine, so the ELF closure below cannot find their
# packages: take them from the packages' dependencies
mapfile -t XENLIBS < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances xen-utils-4.17 | awk '/^libxen|^libyajl/ {print $1}' | sort -u)
PKGS+=("${XENLIBS[@]}")

# pin every package to a version (resolved once), so the cache key says exactly what an image is made of
resolve() { # PKG[=VER]... -> PKG=VER lines
  local p names=()
  for p in "$@"; do [ "${p%%=*}" = "$p" ] && names+=("$p"); done
  local table=""
  [ "${#names[@]}" -eq 0 ] || table="$(candidates "${names[@]}")"
  for p in "$@"; do
    if [ "${p%%=*}" != "$p" ]; then echo "$p"; continue; fi
    local v; v="$(awk -v n="$p" '$1 == n {print $2; exit}' <<<"$table")"
    [ -n "$v" ] && [ "$v" != "(none)" ] || { log "package $p has no candidate version (apt-get update?)"; exit 1; }
    echo "$p=$v"
  done
}
mapfile -t PKGS < <(resolve $(printf "%s\n" "${PKGS[@]}" | awk "!seen[\$0]++"))
key="$(printf '%s\n' "${PKGS[@]}")"$'\n'
key+="builder=$(cat "$0" "$HERE"/dom0-init.sh "$HERE"/domu-init.sh "$HERE"/ssh.init | sha256sum | cut -c1-16)"$'\n'
id="$(printf '%s' "$key" | sha256sum | cut -c1-16)"
OUT="$CACHE/images-$id"
if [ -s "$OUT/dom0.cpio.gz" ] && [ -s "$OUT/xen" ] && [ -s "$OUT/vmlinuz" ]; then
  log "cached: $OUT"
  echo "$OUT"
  exit 0
fi

DEBS="$CACHE/debs"
# the cache is made here, by the only code that uses it: a new machine has none (mktemp needs the parent)
mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DEBS"
ROOT="$WORK/root"
mkdir -p "$ROOT"

fetch() { # fetch PKG=VER... into $DEBS and extract into $ROOT
  local want=() p
  for p in "$@"; do
    local name="${p%%=*}" ver="${p#*=}"
    local file
    file="$(ls "$DEBS/${name}_"*"_"*.deb 2>/dev/null | grep -F "_$(echo "$ver" | sed 's/:/%3a/')_" | head -1 || true)"
    if [ -z "$file" ]; then want+=("$name=$ver"); fi
  done
  if [ "${#want[@]}" -gt 0 ]; then
    log "apt-get download ${want[*]}"
    (cd "$DEBS" && apt-get download -q "${want[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2)
  fi
  for p in "$@"; do
    local name="${p%%=*}" ver="${p#*=}"
    dpkg -x "$(ls "$DEBS/${name}_"*.deb | grep -F "_$(echo "$ver" | sed 's/:/%3a/')_" | head -1)" "$ROOT"
    echo "$name=$ver" >> "$WORK/versions.txt"
  done
}

fetch "${PKGS[@]}"

# Debian's usrmerge: /bin, /sbin, /lib, /lib64 are links into /usr
for d in bin sbin lib lib64; do
  if [ -d "$ROOT/$d" ] && [ ! -L "$ROOT/$d" ]; then
    mkdir -p "$ROOT/usr/$d"; cp -a "$ROOT/$d/." "$ROOT/usr/$d/"; rm -rf "${ROOT:?}/$d"
  fi
  mkdir -p "$ROOT/usr/$d"; ln -sfn "usr/$d" "$ROOT/$d"
done

# Library closure: every NEEDED soname of every ELF file must be in the image; the package that holds it on this
# (bookworm) build machine is downloaded and extracted, until nothing is missing.
libdirs=(usr/lib/x86_64-linux-gnu usr/lib usr/lib64 usr/lib/xen-4.17/lib usr/lib/xen-4.17/lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu/gconv)
for round in 1 2 3 4 5 6; do
  missing=()
  while IFS= read -r so; do
    found=""
    for d in "${libdirs[@]}"; do [ -e "$ROOT/$d/$so" ] && { found=1; break; }; done
    [ -n "$found" ] || missing+=("$so")
  done < <(find "$ROOT/usr" -type f \( -perm -u+x -o -name '*.so*' \) -not -path '*/lib/modules/*' -print0 \
             | xargs -0 -r readelf -d 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u)
  [ "${#missing[@]}" -gt 0 ] || break
  pkgs=()
  [ "$round" -lt 6 ] || { log "library closure not reached after 5 rounds: ${missing[*]}"; exit 1; }
  for so in "${missing[@]}"; do
    owner="$(dpkg -S "/lib/x86_64-linux-gnu/$so" "/usr/lib/x86_64-linux-gnu/$so" "/lib64/$so" 2>/dev/null | head -1 | cut -d: -f1 || true)"
    # a plugin's private library (not on this machine): the program that needs it is not one the lab runs
    if [ -z "$owner" ]; then log "warning: no package on this machine holds $so; left out"; continue; fi
    pkgs+=("$owner")
  done
  [ "${#pkgs[@]}" -gt 0 ] || break
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
  log "libraries round $round: ${pkgs[*]}"
  mapfile -t pkgs < <(resolve "${pkgs[@]}")
  fetch "${pkgs[@]}"
  for d in bin sbin lib lib64; do
    if [ -d "$ROOT/$d" ] && [ ! -L "$ROOT/$d" ]; then cp -a "$ROOT/$d/." "$ROOT/usr/$d/"; rm -rf "${ROOT:?}/$d"; ln -sfn "usr/$d" "$ROOT/$d"; fi
  done
done

BB="$ROOT/usr/bin/busybox"
[ -x "$BB" ] || { log "busybox-static did not provide /usr/bin/busybox"; exit 1; }

mkdir -p "$WORK/out"
gunzip -c "$ROOT/boot/xen-4.17-amd64.gz" > "$WORK/out/xen"
cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/out/vmlinuz"

# Kernel modules: only those named here and what they depend on (modules.dep), so the image stays small.
MODDIR="lib/modules/$KVER"
# the package ships no modules.dep (its postinst makes it)
depmod -b "$ROOT" "$KVER"
copy_modules() { # DEST MODULE...
  local dest="$1"; shift
  local m rel dep
  mkdir -p "$dest/usr/$MODDIR"
  cp "$ROOT/usr/$MODDIR"/modules.{order,builtin,builtin.modinfo} "$dest/usr/$MODDIR/" 2>/dev/null || true
  local todo=("$@") seen=" "
  while [ "${#todo[@]}" -gt 0 ]; do
    m="${todo[0]}"; todo=("${todo[@]:1}")
    case "$seen" in *" $m "*) continue ;; esac
    seen+="$m "
    if grep -qE "/${m//[-_]/[-_]}\.ko(\.[a-z]+)?$" "$ROOT/usr/$MODDIR/modules.builtin"; then continue; fi
    rel="$(grep -E "(^|/)${m//[-_]/[-_]}\.ko(\.[a-z]+)?:" "$ROOT/usr/$MODDIR/modules.dep" | head -1 || true)"
    [ -n "$rel" ] || { log "kernel $KVER has no module $m"; exit 1; }
    mkdir -p "$dest/usr/$MODDIR/$(dirname "${rel%%:*}")"
    cp "$ROOT/usr/$MODDIR/${rel%%:*}" "$dest/usr/$MODDIR/${rel%%:*}"
    for dep in ${rel#*:}; do dep="$(basename "$dep")"; todo+=("${dep%%.ko*}"); done
  done
  depmod -b "$dest" "$KVER"
}

# --- domU: busybox, its network from the kernel command line, netfront/blkfront -----------------------------
DOMU="$WORK/domu"
mkdir -p "$DOMU"/{bin,sbin,proc,sys,dev,etc,tmp,run,usr/bin,usr/sbin}
cp "$BB" "$DOMU/bin/busybox"
for a in $("$BB" --list); do [ -e "$DOMU/bin/$a" ] || ln -s busybox "$DOMU/bin/$a"; done
mkdir -p "$DOMU/usr/lib"; ln -s usr/lib "$DOMU/lib"
copy_modules "$DOMU" xen-netfront xen-blkfront
install -m 0755 "$HERE/domu-init.sh" "$DOMU/init"
mknod -m 600 "$DOMU/dev/console" c 5 1
(cd "$DOMU" && find . | "$BB" cpio -o -H newc 2>/dev/null | gzip -6) > "$WORK/domU.cpio.gz"

# --- dom0 -----------------------------------------------------------------------------------------------------
D0="$WORK/dom0"
mkdir -p "$D0"
# everything extracted except the kernel's full module tree, the hypervisor and documentation
(cd "$ROOT" && tar -cf - --exclude="./usr/$MODDIR" --exclude=./boot --exclude=./usr/share/doc --exclude=./usr/share/man \
   --exclude=./usr/share/locale --exclude=./usr/share/info --exclude=./usr/share/bash-completion .) | (cd "$D0" && tar -xf -)
copy_modules "$D0" xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-netback xen-blkback bridge loop \
  nfs nfsv4 virtio_net ext4 crc32c_generic tun overlay virtio_pci virtio_blk
# busybox fills in what the Debian packages above do not provide (init, ip tools are Debian's)
for a in $("$BB" --list); do
  [ -e "$D0/usr/bin/$a" ] || [ -e "$D0/usr/sbin/$a" ] || ln -s busybox "$D0/usr/bin/$a"
done
# /bin/sh is dash, as on Debian: busybox-static's sh runs its own applets before PATH (chmod --reference fails)
ln -sfn dash "$D0/usr/bin/sh"
ln -sfn /usr/lib/xen-4.17/bin/xl "$D0/usr/sbin/xl"   # not Debian's wrapper: it needs xen-utils-common's helpers
mkdir -p "$D0"/{proc,sys,dev,tmp,run,root,data,var/lib/xen,var/log/xen,etc/xen/auto,boot}
install -m 0755 "$HERE/dom0-init.sh" "$D0/etc/rc.sysinit"
mkdir -p "$D0/etc/init.d"; install -m 0755 "$HERE/ssh.init" "$D0/etc/init.d/ssh"; rm -rf "$D0/var/run"; ln -sfn /run "$D0/var/run"
cat > "$D0/etc/inittab" <<'EOF'
::sysinit:/etc/rc.sysinit
hvc0::respawn:/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
EOF
printf 'root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$D0/etc/passwd"
printf 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > "$D0/etc/shadow"
chmod 0640 "$D0/etc/shadow"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$D0/etc/group"
printf 'hosts: files\npasswd: files\ngroup: files\nshadow: files\n' > "$D0/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n' > "$D0/etc/hosts"
printf '/bin/sh\n/bin/bash\n' > "$D0/etc/shells"
cat > "$D0/etc/ssh/sshd_config" <<'EOF'
# the real-Xen lab's dom0 sshd: keys only, root allowed, as the fast lab's hosts
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
MaxStartups 50
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
mknod -m 600 "$D0/dev/console" c 5 1
cp "$WORK/out/vmlinuz" "$D0/boot/vmlinuz"
cp "$WORK/domU.cpio.gz" "$D0/boot/domU.cpio.gz"
ln -sfn usr/lib/x86_64-linux-gnu "$D0/usr/lib64/x86_64-linux-gnu" 2>/dev/null || true
(cd "$D0" && find . | "$BB" cpio -o -H newc 2>/dev/null | gzip -1) > "$WORK/out/dom0.cpio.gz"

printf '%s' "$key" > "$WORK/out/versions.txt"
rm -rf "$OUT"
mv "$WORK/out" "$OUT"
# older builds are never used again (their key changed)
find "$CACHE" -maxdepth 1 -name 'images-*' ! -path "$OUT" -exec rm -rf {} +
log "built $OUT ($(du -sh "$OUT" | cut -f1))"
echo "$OUT"
