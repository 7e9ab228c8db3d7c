import { readFileSync } from "fs";
import { join } from "path";
import { DomainListParseError, findDomain, listedAs, parseDomainList, parseStateLetters } from "../../../provider/formats/xm-list";

const fixture = (name: string) => readFileSync(join(__dirname, "../../fixtures/outputs", name), "utf8");

/** Sections of xl-transcripts: "=== title" (or "--- title") up to the next marker. */
function transcriptSections(text: string): { title: string; body: string }[] {
  const out: { title: string; body: string }[] = [];
  let cur: { title: string; body: string } | null = null;
  for (const line of text.split("\n")) {
    const m = /^(?:===|---) (.*)$/.exec(line);
    if (m) {
      cur = { title: m[1], body: "" };
      out.push(cur);
    } else if (cur) cur.body += line + "\n";
  }
  return out;
}

/** The table lines of a transcript section (the xl output interleaves other processes' lines). */
function tableOf(body: string): string {
  return body
    .split("\n")
    .filter((l) => /^Name\s+ID/.test(l) || /^\S.*\s+\d+\s+\d+\s+\d+\s+[-a-zA-Z]{6}\s+[\d.]+$/.test(l))
    .join("\n");
}

describe("parseDomainList", () => {
  test("xm 3.3 sample: four domains, states and times", () => {
    const text = fixture("xm-migrate-failure-and-localhost.xen-3.3.txt");
    const first = text.split("root@virtual:~#xm list")[1].split("root@virtual:~#")[0];
    const rows = parseDomainList(first);
    expect(rows.map((r) => r.name)).toEqual(["Domain-0", "highlander", "pbx", "tundra"]);
    expect(rows[2]).toMatchObject({ id: 3, memMiB: 512, vcpus: 1, state: "-b----", timeS: 13597.7 });
    expect(rows[0].flags).toMatchObject({ running: true, blocked: false });
    expect(rows[2].flags).toMatchObject({ running: false, blocked: true, paused: false });
  });

  test("xm 3.3 sample: after a localhost migration pbx has a new ID and its time restarts", () => {
    const text = fixture("xm-migrate-failure-and-localhost.xen-3.3.txt");
    const after = text.split("root@virtual:~# xm list\n")[1];
    const pbx = parseDomainList(after.split("root@virtual:~#")[0]).find((r) => r.name === "pbx")!;
    expect(pbx).toMatchObject({ id: 9, timeS: 0 });
  });

  test("xm 3.0.x layout, and a name longer than the 40-column field", () => {
    const rows = parseDomainList(fixture("xm-list.xen-3.0.x-layout.txt"));
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({ name: "test01", id: 3, memMiB: 512, vcpus: 1 });
    expect(rows[2]).toMatchObject({ name: "a-very-long-domain-name-that-exceeds-forty-chars", id: 7, memMiB: 256 });
  });

  test("xm 4.1 source during a migration, and an inactive managed domain without ID", () => {
    const rows = parseDomainList(fixture("xm-list.xen-4.1-migrating-and-inactive.txt"));
    expect(rows[1]).toMatchObject({ name: "migrating-test01", id: 3 });
    expect(rows[2]).toMatchObject({ name: "managed-off", id: null, memMiB: 256, state: "------" });
    expect(findDomain(rows, "test01")).toEqual([{ listedAs: "migrating", row: rows[1] }]);
  });

  test("xl list with TABs in the header (real 4.17), list of one domain", () => {
    const sections = transcriptSections(fixture("xl-transcripts.xen-4.17.txt"));
    const list = sections.find((s) => s.title === "xl list" && s.body.includes("test01"))!;
    const rows = parseDomainList(list.body.replace(/^rc=.*$/m, ""));
    expect(rows.map((r) => [r.name, r.id, r.memMiB, r.state])).toEqual([
      ["Domain-0", 0, 768, "r-----"],
      ["test01", 1, 128, "r-----"],
    ]);
  });

  test("xl during a migration: --incoming on the receiver, --migratedaway (--pss-) on the sender", () => {
    const sections = transcriptSections(fixture("xl-transcripts.xen-4.17.txt"));
    const during = sections.filter((s) => s.title.startsWith("xl list during migration"));
    const incoming = parseDomainList(tableOf(during[1].body));
    expect(findDomain(incoming, "test01").map((s) => [s.listedAs, s.row.id, s.row.flags.paused])).toEqual([
      ["normal", 1, false],
      ["incoming", 3, true],
    ]);
    const away = parseDomainList(tableOf(during[6].body));
    const sightings = findDomain(away, "test01");
    expect(sightings.map((s) => [s.listedAs, s.row.id, s.row.state])).toEqual([
      ["migratedaway", 1, "--pss-"],
      ["normal", 3, "-b----"],
    ]);
    expect(sightings[0].row.flags).toMatchObject({ paused: true, shutdown: true });
  });

  test("xl's transient (null) row during a restore is a row, not our domain", () => {
    const sections = transcriptSections(fixture("xl-transcripts.xen-4.17.txt"));
    const first = sections.find((s) => s.title === "xl list during migration (1)")!;
    const rows = parseDomainList(tableOf(first.body));
    expect(rows.map((r) => r.name)).toEqual(["Domain-0", "test01", "(null)"]);
    expect(findDomain(rows, "test01").map((s) => s.listedAs)).toEqual(["normal"]);
  });

  test("empty output (no domains, no header) is an empty list", () => {
    expect(parseDomainList("")).toEqual([]);
    expect(parseDomainList("Name                                        ID   Mem VCPUs      State   Time(s)\n")).toEqual([]);
  });

  test("a garbled row is an error, never silently dropped", () => {
    const text = "Name                                        ID   Mem VCPUs      State   Time(s)\ntest01  3  512  1\n";
    expect(() => parseDomainList(text)).toThrow(DomainListParseError);
    expect(() => parseDomainList(text)).toThrow(/line 2/);
    const badState = "Name ID Mem VCPUs State Time(s)\ntest01 3 512 1 running 1.0\n";
    expect(() => parseDomainList(badState)).toThrow(/six state letters/);
  });

  test("an error message instead of a table is refused", () => {
    expect(() => parseDomainList("Error: Unable to connect to xend: No such file or directory. Is xend running?\n")).toThrow(
      DomainListParseError,
    );
  });
});

describe("names and state letters", () => {
  test("transitional names belong to the domain only when they match exactly", () => {
    expect(listedAs("test01", "test01")).toBe("normal");
    expect(listedAs("migrating-test01", "test01")).toBe("migrating");
    expect(listedAs("test01--incoming", "test01")).toBe("incoming");
    expect(listedAs("test01--migratedaway", "test01")).toBe("migratedaway");
    expect(listedAs("test011", "test01")).toBeNull();
    expect(listedAs("migrating-test011", "test01")).toBeNull();
    expect(listedAs("test01--incoming", "test0")).toBeNull();
  });

  test("each position of the six letters", () => {
    expect(parseStateLetters("r-----")).toEqual({
      running: true,
      blocked: false,
      paused: false,
      shutdown: false,
      crashed: false,
      dying: false,
    });
    expect(parseStateLetters("--p---").paused).toBe(true);
    expect(parseStateLetters("---s--").shutdown).toBe(true);
    expect(parseStateLetters("----c-").crashed).toBe(true);
    expect(parseStateLetters("-----d").dying).toBe(true);
  });
});
