import * as net from "net";

/** Whether something accepts TCP connections on port 22 at `address` within `timeoutMs` (sshd is up). */
export function sshOpen(address: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port: 22, timeout: timeoutMs });
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
    s.once("timeout", () => { s.destroy(); resolve(false); });
  });
}
