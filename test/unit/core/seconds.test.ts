import { seconds } from "../../../provider/core/seconds";
import { nfsExportInputsSchema } from "../../../provider/resources/nfs-export/schema";
import { nfsMountInputsSchema } from "../../../provider/resources/nfs-mount/schema";
import { xenDomainConfigInputsSchema } from "../../../provider/resources/xen-domain-config/schema";
import { xendRelocationInputsSchema } from "../../../provider/resources/xend-relocation-config/schema";
import { xlMigrationTrustInputsSchema } from "../../../provider/resources/xl-migration-trust/schema";

const message = (v: unknown) => {
  const r = seconds(5, 3600, 120).safeParse(v);
  return r.success ? `ok ${r.data}` : r.error.issues.map((i) => i.message).join("; ");
};

describe("seconds(): the time-limit field", () => {
  it("fills in the default and keeps values in range", () => {
    expect(message(undefined)).toBe("ok 120");
    expect(message(5)).toBe("ok 5");
    expect(message(3600)).toBe("ok 3600");
  });
  it("names what is wrong", () => {
    expect(message("60")).toBe("must be a number of seconds");
    expect(message(7.5)).toBe("must be a whole number of seconds");
    expect(message(4)).toBe("must be at least 5 seconds");
    expect(message(3601)).toBe("must be at most 3600 seconds");
    expect(seconds(1, 120, 5).safeParse(0).error?.issues[0].message).toBe("must be at least 1 second");
  });
  it("is the field of every resource's time limits", () => {
    const shapes = [nfsExportInputsSchema, nfsMountInputsSchema, xenDomainConfigInputsSchema, xendRelocationInputsSchema,
      xlMigrationTrustInputsSchema].map((s) => s.shape.timeoutSeconds);
    for (const field of shapes) {
      expect(field.safeParse(undefined).data).toBe(120);
      expect(field.safeParse(2.5).error?.issues[0].message).toBe("must be a whole number of seconds");
    }
  });
});
