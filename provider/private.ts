/**
 * Files of ours in shared directories (/tmp, /run): one helper for a private directory, so that
 * nothing there is trusted because of its name. Another local user can make any name in /tmp before
 * us (a directory, a symlink, a socket, a record naming someone else's process); what we keep there
 * is only ever used from a directory that is this user's own:
 *
 * - `privateDir(dir)`: made with mode 0700 if it is not there (its parent must exist: /tmp is not
 *   made), else checked with lstat — a directory (not a link to one), owned by this uid, with no
 *   permission for group or others. Anything else is a `NotPrivateError` naming who owns it and
 *   what to do; nothing is changed in it.
 * - `readPrivate(file)`: a file's text read through O_NOFOLLOW, only when it is a regular file of
 *   this uid in a private directory; otherwise undefined (as if absent).
 * - `writePrivate(file, text)`: through a temporary file of a random name, created exclusively
 *   (O_EXCL|O_NOFOLLOW) and renamed over the target: a planted link at the target is replaced, never
 *   followed.
 *
 * The language host (engine/cmd/pulumi-language-nodejs, Go) applies the same rules to its preload
 * directory; it cannot share this TypeScript.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const uid = (): number => process.getuid?.() ?? 0;

/** A directory in a shared place that is not this user's own: it is used for nothing. */
export class NotPrivateError extends Error {
  constructor(
    readonly dir: string,
    readonly why: string,
    advice: string,
  ) {
    super(`${dir} is not a private directory of this user's (uid ${uid()}): ${why}. netns-lab keeps nothing there and trusts nothing in it; ${advice}`);
    this.name = "NotPrivateError";
  }
}

/** Why `s` (an lstat) is not a private directory of `owner`'s, or undefined when it is. */
export function notPrivate(s: Pick<fs.Stats, "isDirectory" | "isSymbolicLink" | "uid" | "mode">, owner: number = uid()): string | undefined {
  if (s.isSymbolicLink()) return "it is a symbolic link";
  if (!s.isDirectory()) return "it is not a directory";
  if (s.uid !== owner) return `it belongs to uid ${s.uid}`;
  if ((s.mode & 0o077) !== 0) return `its mode is ${(s.mode & 0o777).toString(8)}, not 700`;
  return undefined;
}

/**
 * Makes (mode 0700) or checks a private directory; returns it. `advice`: what to do when it is not
 * private (default: remove it as its owner, or root).
 */
export function privateDir(dir: string, advice = "remove it (as its owner, or root) and run again"): string {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const why = notPrivate(fs.lstatSync(dir));
  if (why) throw new NotPrivateError(dir, why, advice);
  return dir;
}

/** Whether `dir` is a private directory of this user's now (no change made). */
export function isPrivate(dir: string): boolean {
  try {
    return notPrivate(fs.lstatSync(dir)) === undefined;
  } catch {
    return false;
  }
}

/** A file's text from a private directory, or undefined: absent, not a regular file of this user's, a link, or its directory not private. */
export function readPrivate(file: string): string | undefined {
  if (!isPrivate(path.dirname(file))) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const s = fs.fstatSync(fd);
    if (!s.isFile() || s.uid !== uid()) return undefined;
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/** A temporary name beside `file` that nobody can guess. */
export const tempName = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString("hex")}.tmp`);

/**
 * Writes `file` whole: a new file of a random name, created exclusively without following links,
 * written and given its mode through its descriptor, then renamed over `file`. Safe in a directory
 * others can write (a link planted at either name is never followed).
 */
export function writeAtomic(file: string, text: string, mode = 0o600, open: (tmp: string, flags: number, mode: number) => number = fs.openSync): void {
  const tmp = tempName(file);
  const fd = open(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
  try {
    try {
      fs.writeFileSync(fd, text);
      fs.fchmodSync(fd, mode);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** `writeAtomic` into a private directory (checked first). */
export function writePrivate(file: string, text: string, mode = 0o600): void {
  privateDir(path.dirname(file));
  writeAtomic(file, text, mode);
}
