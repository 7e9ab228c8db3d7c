import { readFileSync } from "fs";
import { join } from "path";
import { parsePing } from "../../../provider/formats/ping";

const fixture = (name: string) => readFileSync(join(__dirname, "../../fixtures/outputs", name), "utf8");

describe("parsePing", () => {
  test("real iputils -D -i 0.01 output stopped by SIGINT", () => {
    const r = parsePing(fixture("ping-D-i0.01-localhost.iputils-20221126.txt"));
    expect(r.transmitted).toBe(19);
    expect(r.received).toBe(19);
    expect(r.replies).toHaveLength(19);
    expect(r.lost).toBe(0);
    expect(r.maxRttMs).toBe(0.64);
    expect(r.replies[0]).toEqual({ at: 1795646346.307241, seq: 1, rttMs: 0.64 });
    expect(r.longestGap!.ms).toBeGreaterThan(0);
    expect(r.notes).toEqual([]);
  });

  test("a migration: the longest gap spans the lost packets", () => {
    const r = parsePing(fixture("ping-D-i0.01-migration-gap.synthetic.txt"));
    expect(r).toMatchObject({ transmitted: 60, received: 58, lost: 2, maxRttMs: 1.873 });
    expect(r.longestGap).toEqual({
      fromAt: 1795646400.302997,
      toAt: 1795646400.354296,
      fromSeq: 30,
      toSeq: 33,
      ms: 51.299,
    });
  });

  test("killed without statistics: counts come from the replies, loss unknown", () => {
    const text = fixture("ping-D-i0.01-migration-gap.synthetic.txt").split("\n--- ")[0];
    const r = parsePing(text);
    expect(r).toMatchObject({ transmitted: null, received: 58, lost: null, maxRttMs: 1.873 });
    expect(r.longestGap!.toSeq).toBe(33);
  });

  test("errors, duplicates and unreachable lines", () => {
    const text = [
      "PING 198.18.0.50 (198.18.0.50) 56(84) bytes of data.",
      "[1000.000000] 64 bytes from 198.18.0.50: icmp_seq=1 ttl=64 time=0.050 ms",
      "[1000.010000] 64 bytes from 198.18.0.50: icmp_seq=1 ttl=64 time=0.070 ms (DUP!)",
      "[1000.520000] From 198.18.0.1 icmp_seq=2 Destination Host Unreachable",
      "[1001.000000] 64 bytes from 198.18.0.50: icmp_seq=3 ttl=64 time=0.060 ms",
      "",
      "--- 198.18.0.50 ping statistics ---",
      "3 packets transmitted, 2 received, +1 duplicates, +1 errors, 33.3333% packet loss, time 2002ms",
      "rtt min/avg/max/mdev = 0.050/0.060/0.070/0.008 ms",
    ].join("\n");
    const r = parsePing(text);
    expect(r.replies.map((x) => x.seq)).toEqual([1, 3]);
    expect(r).toMatchObject({ transmitted: 3, received: 2, lost: 1, duplicates: 1, errors: 1, maxRttMs: 0.07 });
    expect(r.longestGap!.ms).toBe(1000);
    expect(r.notes).toEqual(["[1000.520000] From 198.18.0.1 icmp_seq=2 Destination Host Unreachable"]);
  });

  test("no reply at all: no gap, everything lost", () => {
    const r = parsePing("PING 198.18.0.50 (198.18.0.50) 56(84) bytes of data.\n\n--- 198.18.0.50 ping statistics ---\n50 packets transmitted, 0 received, 100% packet loss, time 505ms\n");
    expect(r).toMatchObject({ transmitted: 50, received: 0, lost: 50, longestGap: null, maxRttMs: null });
  });
});
