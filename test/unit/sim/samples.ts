/** Paths of the real Xen samples copied into test/fixtures/sim/xen-samples (see its SOURCE.txt files). */
import * as fs from "fs";
import * as path from "path";

export const SAMPLES = path.join(__dirname, "..", "..", "fixtures", "sim", "xen-samples");

export function sample(rel: string): string {
  return fs.readFileSync(path.join(SAMPLES, rel), "utf8");
}
