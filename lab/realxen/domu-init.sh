#!/bin/sh
# The tiny domU: its address comes from the kernel command line (xenha_ip=ADDR/PREFIX); after a boot it announces
# itself with a gratuitous ARP (after a migration the kernel's netfront does that).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
modprobe xen-netfront
modprobe xen-blkfront
ip link set lo up
for a in $(cat /proc/cmdline); do
  case "$a" in xenha_ip=*) ip="${a#xenha_ip=}" ;; esac
done
if [ -n "$ip" ]; then
  for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 1; done
  ip link set eth0 up
  ip addr add "$ip" dev eth0
  arping -U -c 1 -I eth0 "${ip%/*}" >/dev/null 2>&1
fi
echo "DOMU-READY ip=$ip"
while :; do sleep 3600; done
