/** Input fields shared by every resource's schema. */
import { z } from "zod";

/** A whole number of seconds in [min, max] with a default: every resource's time limits. */
export function seconds(min: number, max: number, byDefault: number): z.ZodDefault<z.ZodNumber> {
  return z
    .number({ error: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(min, `must be at least ${min} second${min === 1 ? "" : "s"}`)
    .max(max, `must be at most ${max} seconds`)
    .default(byDefault);
}
