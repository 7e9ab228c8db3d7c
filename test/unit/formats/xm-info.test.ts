import { readFileSync } from "fs";
import { join } from "path";
import { parseXenInfo, XenInfoParseError } from "../../../provider/formats/xm-info";

const fixture = (name: string) => readFileSync(join(__dirname, "../../fixtures/outputs", name), "utf8");

describe("parseXenInfo", () => {
  test("xm info, Xen 3.4.2 on CentOS 5", () => {
    const info = parseXenInfo(fixture("xm-info.xen-3.4.2-centos5.txt"));
    expect(info).toMatchObject({
      host: "DEV1-HV1",
      totalMemoryMiB: 16374,
      freeMemoryMiB: 8605,
      xenMajor: 3,
      xenMinor: 4,
      xenExtra: ".2",
      xenVersion: "3.4.2",
    });
    // values containing colons stay whole
    expect(info.raw.node_to_cpu).toBe("node0:0-3");
    expect(info.raw.hw_caps).toBe("bfebfbff:28100800:00000000:00000340:009ce3bd:00000000:00000001:00000000");
  });

  test("xm info, Xen 3.3.0 with a prompt line and an empty value", () => {
    const info = parseXenInfo(fixture("xm-info.xen-3.3.0-ubuntu.txt"));
    expect(info).toMatchObject({ host: "chetan-laptop", freeMemoryMiB: 126, xenMajor: 3, xenMinor: 3, xenVersion: "3.3.0" });
    expect(info.raw.virt_caps).toBe("");
  });

  test("xl info, Xen 4.17.0 (prints xen_version itself; empty cc_compile_domain)", () => {
    const info = parseXenInfo(fixture("xl-info.xen-4.17.0-aarch64.txt"));
    expect(info).toMatchObject({ totalMemoryMiB: 4095, freeMemoryMiB: 2529, xenMajor: 4, xenMinor: 17, xenVersion: "4.17.0" });
    expect(info.raw.cc_compile_domain).toBe("");
    expect(info.raw.xen_changeset).toBe("Tue Dec 12 10:08:40 2023 +0100 git:38eebc6e5c-dirty");
  });

  test("xl info from the real 4.17.7 transcript", () => {
    const text = fixture("xl-transcripts.xen-4.17.txt").split("=== xl info\n")[1].split("xl info rc=")[0];
    expect(parseXenInfo(text)).toMatchObject({ totalMemoryMiB: 2047, freeMemoryMiB: 1256, xenVersion: "4.17.7" });
  });

  test("an error instead of info is refused", () => {
    expect(() => parseXenInfo("Error: Unable to connect to xend: No such file or directory. Is xend running?")).toThrow(
      XenInfoParseError,
    );
  });
});
