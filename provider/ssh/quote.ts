/**
 * POSIX shell quoting. SSH always hands the command to the remote user's login shell as one string, so argv
 * must be turned into a shell line; single quotes are the only quoting in which nothing is special, so every
 * word is single-quoted and embedded single quotes become '\''.
 */

/**
 * Words made only of these need no quotes; keeping them bare makes commands in error messages readable. No
 * "=" (a bare first word `A=b` is an assignment) and no "~" (tilde expansion).
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

export function quoteWord(word: string): string {
  if (word.includes("\0")) {
    // A NUL cannot cross exec(2): the remote side would silently truncate the argument.
    throw new Error(`argument contains a NUL byte: ${JSON.stringify(word)}`);
  }
  if (word !== "" && SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error("empty command: argv needs at least the program name");
  return argv.map(quoteWord).join(" ");
}

/**
 * argv that runs a constant script with positional arguments: `sh -c BODY sh ARGS...`. Inside the body the
 * arguments are "$1", "$2"...; "$0" is "sh".
 */
export function scriptArgv(body: string, args: readonly string[]): string[] {
  return ["sh", "-c", body, "sh", ...args];
}
