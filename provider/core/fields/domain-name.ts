import { z } from "zod";

/**
 * A Xen domain name, one rule for every resource (XenDomainConfig's `name`, LiveMigration's `domain`, the
 * component's domains): 1-64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit. xend and
 * xl accept more, but a name is also a file under /etc/xen, an argument of `xm`/`xl` and a word in their
 * list output: this is what all three take without quoting or ambiguity. Domain-0 is the control domain.
 */
export const DOMAIN_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function domainName(): z.ZodString {
  return z
    .string({ error: "must be the domain's name" })
    .superRefine((s, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: "custom", message });
      if (s === "") return fail("must not be empty");
      if (s.length > 64) return fail(`must be at most 64 characters, got ${s.length}`);
      if (!DOMAIN_NAME_RE.test(s)) return fail(`must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got ${JSON.stringify(s)}`);
      if (s === "Domain-0" || s === "0") fail("Domain-0 is the control domain");
    });
}
