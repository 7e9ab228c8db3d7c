/**
 * The migration stream's framing: newline-separated messages over any byte stream (a TCP socket for xm's
 * relocation protocol, ssh's stdin/stdout for xl). `next()` waits for the next line with a timeout and
 * reports end of stream as null, so each side can tell "the other end went away" from "it is slow".
 */
export class LineReader {
  private buf = "";
  private lines: string[] = [];
  private isEnded = false;
  private waiter: (() => void) | null = null;

  constructor(stream: NodeJS.ReadableStream) {
    stream.on("data", (d: Buffer | string) => {
      this.buf += d.toString();
      let i: number;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      this.wake();
    });
    const end = (): void => { this.isEnded = true; this.wake(); };
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
  }

  /** True once the other end closed or the stream failed (lines already received can still be read). */
  get ended(): boolean {
    return this.isEnded;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }

  /** The next line, null at end of stream, "timeout" if nothing came within `ms`. */
  async next(ms: number): Promise<string | null | "timeout"> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.lines.length) return this.lines.shift() as string;
      if (this.isEnded) return null;
      const left = deadline - Date.now();
      if (left <= 0) return "timeout";
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.waiter = null; resolve(); }, left);
        this.waiter = () => { clearTimeout(t); resolve(); };
      });
    }
  }

  /** Next message parsed as JSON; non-JSON lines come back as { raw }. */
  async nextMessage(ms: number): Promise<Msg | null | "timeout"> {
    const l = await this.next(ms);
    if (l === null || l === "timeout") return l;
    try {
      return JSON.parse(l) as Msg;
    } catch {
      return { t: "raw", raw: l };
    }
  }
}

export interface Msg { t: string; [k: string]: unknown }

export function writeMsg(stream: NodeJS.WritableStream, msg: Msg): boolean {
  try {
    return stream.write(JSON.stringify(msg) + "\n");
  } catch {
    return false;
  }
}
