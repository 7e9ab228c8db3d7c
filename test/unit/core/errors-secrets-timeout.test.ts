import { PartialFailure, isPartialFailure, planRefusal, refuseOnPlanErrors, StepTimeoutError } from "../../../provider/core/errors";
import { collectSecretValues, holdsCredential, redact } from "../../../provider/core/secrets";
import { withTimeout, deadline } from "../../../provider/core/timeout";
import { createLogger } from "../../../provider/core/log";

test("a plan's refusals read the same in preview, up and delete: scope, every reason, what was left", () => {
  expect(planRefusal({ errors: [] })).toBeNull();
  expect(() => refuseOnPlanErrors({ errors: [] })).not.toThrow();
  const plan = { errors: ["/data is busy (test01 runs from it)", "bridge xenbr1 is missing"] };
  expect(planRefusal(plan)?.message).toBe("/data is busy (test01 runs from it); bridge xenbr1 is missing");
  expect(() => refuseOnPlanErrors(plan, { scope: "NfsMount node1:/data", outcome: "nothing was changed" }))
    .toThrow(new Error("NfsMount node1:/data: /data is busy (test01 runs from it); bridge xenbr1 is missing (nothing was changed)"));
});

test("PartialFailure carries what the dynamic-provider server reads: message, id, properties, reasons", () => {
  const e = PartialFailure.after(new Error("exportfs -ra: exit 1"), "nfs:/srv", { written: true }, "/etc/exports written, not exported");
  expect(e.message).toBe("exportfs -ra: exit 1 (/etc/exports written, not exported)");
  expect(e.id).toBe("nfs:/srv");
  expect(e.properties).toEqual({ written: true });
  expect(e.reasons).toEqual(["exportfs -ra: exit 1", "/etc/exports written, not exported"]);
  expect(isPartialFailure(e)).toBe(true);
  expect(isPartialFailure(new Error("x"))).toBe(false);
  expect(() => new PartialFailure("x", { id: "", properties: {} })).toThrow(/needs the resource id/);
});

const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";

test("credentials are found at any depth and scrubbed, whole or line by line", () => {
  const secrets = collectSecretValues({
    connection: { host: "h", password: "pw-1", privateKey: key, proxy: { privateKeyPassword: "ppp1" } },
    hosts: [{ connection: { password: "pw-2" } }],
    other: "pw-1 is not a credential field here",
  });
  expect([...secrets]).toEqual(expect.arrayContaining(["pw-1", "pw-2", "ppp1", key]));
  expect(redact(`login pw-1, then pw-2 with ${key}`, secrets)).toBe("login [secret], then [secret] with [secret]");
  expect(redact("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW was echoed", secrets)).toBe("[secret] was echoed");
});

test("the logger prefixes every line and scrubs credentials", () => {
  const lines: string[] = [];
  const log = createLogger("NfsMount node1", new Set(["s3cret"]), (l) => lines.push(l));
  log.info("mounting with s3cret\nsecond line");
  log.warn("careful");
  expect(lines).toEqual([
    "[xen-ha] NfsMount node1: mounting with [secret]",
    "[xen-ha] NfsMount node1: second line",
    "[xen-ha] warning: NfsMount node1: careful",
  ]);
});

test("withTimeout names the step, aborts the work and lets fast work through", async () => {
  let signal: AbortSignal | undefined;
  const slow = withTimeout("mount node1:/srv", 50, (s) => {
    signal = s;
    return new Promise(() => undefined);
  });
  await expect(slow).rejects.toThrow(new StepTimeoutError("mount node1:/srv", 50));
  await expect(slow).rejects.toThrow("mount node1:/srv: no result after 50 ms (timed out)");
  expect(signal?.aborted).toBe(true);
  await expect(withTimeout("quick", 1000, async () => 7)).resolves.toBe(7);
  await expect(withTimeout("fails", 1000, async () => Promise.reject(new Error("own error")))).rejects.toThrow("own error");
});

test("a deadline hands out what is left and fails once spent", () => {
  let now = 1000;
  const d = deadline("migrate test01", 5000, () => now);
  expect(d.remaining()).toBe(5000);
  now = 4000;
  expect(d.remaining()).toBe(2000);
  d.check();
  now = 7000;
  expect(d.remaining()).toBe(1);
  expect(() => d.check()).toThrow("migrate test01: no result after 5 s (timed out)");
});

test("holdsCredential looks at any depth and says when it cannot tell yet", () => {
  expect(holdsCredential({ a: [{ connection: { privateKey: "k" } }] })).toBe(true);
  expect(holdsCredential({ connection: { host: "h", password: undefined } })).toBe(false);
  expect(holdsCredential({ connection: Promise.resolve({}) })).toBe("unresolved");
  expect(holdsCredential({ connection: { password: "p" }, other: Promise.resolve(1) })).toBe(true);
  expect(holdsCredential("password")).toBe(false);
});
