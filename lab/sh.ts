/** Running the system tools the lab is made of (ip, mount, ssh-keygen, ...). */
import { spawn, spawnSync } from "child_process";

export interface RunResult { code: number; stdout: string; stderr: string }

/** Runs argv, never through a shell; throws with the command and its stderr when it fails (unless `allowFail`). */
export function run(argv: readonly string[], opts: { input?: string; allowFail?: boolean } = {}): RunResult {
  const r = spawnSync(argv[0], argv.slice(1), { input: opts.input, encoding: "utf8" });
  if (r.error) throw new Error(`${argv[0]}: ${r.error.message}`);
  const res = { code: r.status ?? 128, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  if (res.code !== 0 && !opts.allowFail) {
    throw new Error(`command failed (exit ${res.code}): ${argv.join(" ")}\n${res.stderr.trim()}`);
  }
  return res;
}

/** Same as `run` without blocking the event loop (the supervisor keeps serving signals meanwhile). */
export function runAsync(argv: readonly string[], opts: { input?: string; allowFail?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      const res = { code: code ?? 128, stdout, stderr };
      if (res.code !== 0 && !opts.allowFail) {
        reject(new Error(`command failed (exit ${res.code}): ${argv.join(" ")}\n${stderr.trim()}`));
      } else resolve(res);
    });
    p.stdin.on("error", () => undefined); // the command may exit before reading all of it
    p.stdin.end(opts.input ?? "");
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
