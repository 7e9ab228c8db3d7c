/**
 * Minimal SSH exec for the lab's own tests, straight on ssh2 (the lab is tested independently of the
 * library's ssh layer). The host key is checked against the inventory's, as a real client would.
 */
import { Client } from "ssh2";
import { LabHost } from "../../lab/inventory";

export interface Result { code: number; stdout: string; stderr: string }

export class LabSsh {
  private constructor(private readonly client: Client, readonly host: LabHost) {}

  static connect(host: LabHost): Promise<LabSsh> {
    const expected = host.hostKey.split(/\s+/)[1];
    return new Promise((resolve, reject) => {
      const c = new Client();
      c.once("ready", () => resolve(new LabSsh(c, host)));
      c.once("error", reject);
      // a server that goes away during the handshake closes without an error
      c.once("close", () => reject(new Error(`${host.name}: connection closed before it was ready`)));
      c.on("error", () => undefined); // later errors end pending commands through "close"
      c.connect({
        host: host.address, port: host.port, username: host.user, privateKey: host.privateKey, readyTimeout: 15000,
        hostVerifier: (key: Buffer) => key.toString("base64") === expected,
      });
    });
  }

  /** Runs `sh -c script sh args...`; user values only ever travel as arguments. */
  sh(script: string, args: string[] = [], stdin?: string): Promise<Result> {
    const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    const cmd = ["sh", "-c", script, "sh", ...args].map(q).join(" ");
    return new Promise((resolve, reject) => {
      // a host that goes down (reboot) ends the connection without closing the channel
      const gone = (): void => reject(new Error(`${this.host.name}: connection closed during: ${script}`));
      this.client.once("close", gone);
      this.client.exec(cmd, (err, ch) => {
        if (err) {
          this.client.removeListener("close", gone);
          return reject(err);
        }
        let stdout = "";
        let stderr = "";
        ch.on("data", (d: Buffer) => (stdout += d.toString()));
        ch.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        ch.on("close", (code: number | null) => {
          this.client.removeListener("close", gone);
          resolve({ code: code ?? -1, stdout, stderr });
        });
        ch.end(stdin ?? "");
      });
    });
  }

  close(): void {
    this.client.end();
  }
}
