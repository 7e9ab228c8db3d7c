#!/bin/sh
# dom0's boot (busybox init's sysinit): file systems, Xen's kernel modules and daemons, the lab address on
# xenbr0 (as Xen's network-bridge script leaves it), sshd. Per-host values come from /etc/xenha-host.conf, which
# the lab appends to the initramfs as a second cpio archive.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
# what udev would add: Xen's hotplug locking (locking.sh) stats /dev/stdin
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /run/xen /run/xenstored /run/sshd /run/lock /var/lib/xenstored /var/lib/xen /var/log/xen /var/lib/nfs
. /etc/xenha-host.conf
hostname "$XENHA_HOSTNAME"
echo "XENHA-BOOT host=$XENHA_HOSTNAME uptime=$(cut -d' ' -f1 /proc/uptime)"
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-netback xen-blkback bridge loop nfsv4 virtio_pci virtio_net crc32c_generic ext4 overlay virtio_blk; do
  modprobe "$m" || echo "XENHA-WARN modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen
ip link set lo up
# like Xen's network-bridge: xenbrN takes ethN's MAC and the host's address on that segment
bridge() { # ETH BRIDGE ADDRESS/PREFIX
  mac="$(cat "/sys/class/net/$1/address")"
  ip link add "$2" type bridge stp_state 0 forward_delay 0
  ip link set "$2" address "$mac"
  ip link set "$1" master "$2"
  ip link set "$1" up
  ip link set "$2" up
  ip addr add "$3" dev "$2"
}
bridge eth0 xenbr0 "$XENHA_ADDRESS"
[ -n "$XENHA_ADDRESS2" ] && [ -e /sys/class/net/eth1 ] && bridge eth1 xenbr1 "$XENHA_ADDRESS2"
# The host's own disk (a copy-on-write qcow2 over the lab's shared base image) keeps what a real host keeps
# across a reboot: /etc, /root, /var/lib (overlays whose upper layers live on the disk).
if [ -b /dev/vda ] && mkdir -p /mnt/state && mount -t ext4 /dev/vda /mnt/state; then
  for d in etc root var/lib var/log; do
    n="$(echo "$d" | tr / -)"
    mkdir -p "/mnt/state/$n.upper" "/mnt/state/$n.work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=/mnt/state/$n.upper,workdir=/mnt/state/$n.work" "/$d" \
      || echo "XENHA-WARN overlay on /$d failed"
  done
else
  echo "XENHA-WARN no state disk: /etc, /root and /var/lib are lost at reboot"
fi
mkdir -p /var/lib/xenstored /var/lib/xen /var/log/xen /var/lib/nfs
/usr/lib/xen-4.17/bin/xenstored --pid-file /run/xenstored.pid; echo "XENHA xenstored rc=$?"
/usr/lib/xen-4.17/bin/xen-init-dom0; echo "XENHA xen-init-dom0 rc=$?"
/usr/lib/xen-4.17/bin/xenconsoled --pid-file=/run/xenconsoled.pid; echo "XENHA xenconsoled rc=$?"
/etc/init.d/ssh start
caps="$(xl info 2>/dev/null | sed -n 's/^virt_caps *: //p')"
ver="$(xl info 2>/dev/null | sed -n 's/^xen_version *: //p')"
echo "XENHA-DOM0-READY host=$XENHA_HOSTNAME xen=$ver virt_caps=$caps uptime=$(cut -d' ' -f1 /proc/uptime)"
