/** Reading a remote file. */
import { ExecError, type RemoteHost } from "../ssh/remote-host";
import { checkRemotePath } from "./paths";

// LC_ALL=C keeps cat's message in English, so that "absent" can be told from every other failure.
const READ = 'LC_ALL=C exec cat -- "$1"';

/** The file's content (UTF-8), or null when it does not exist. Any other failure (a directory, no permission) throws. */
export async function readFile(h: RemoteHost, path: string): Promise<string | null> {
  checkRemotePath(path);
  const argv = ["sh", "-c", READ, "sh", path];
  const r = await h.exec(argv);
  if (r.code === 0) return r.stdout;
  if (/No such file or directory\s*$/.test(r.stderr)) return null;
  throw new ExecError(h.label, argv, r);
}
