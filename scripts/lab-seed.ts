/** The runbook's starting point on a lab node: test01's disk image on node1's local /data (used by the demo and the bench). */
import { loadInventory, toConnection } from "../lab/inventory";
import { closeAll, connect } from "../provider/ssh/pool";

/** Creates /data/test01.img (1 MiB of random data, 64 MiB sparse) on node1 unless /data is already the share. */
export async function seedTest01Image(lab: string): Promise<string> {
  const node1 = await connect(toConnection(loadInventory(lab).hosts.node1));
  try {
    const r = await node1.script(
      'mkdir -p /data; if mountpoint -q /data; then echo "share already mounted"; elif [ -e /data/test01.img ]; then echo "test01.img present"; ' +
        'else head -c 1048576 /dev/urandom > /data/test01.img && truncate -s 64M /data/test01.img && echo "test01.img created (64 MiB)"; fi',
      [],
    );
    return r.stdout.trim();
  } finally {
    await closeAll();
  }
}
