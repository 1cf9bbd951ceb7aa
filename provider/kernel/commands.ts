/**
 * An executor made of commands alone: every method (files, processes, the privilege check) is an
 * argument array run where the executor runs them — over SSH on another machine (ssh.ts), or in the
 * user's sandbox (sandbox.ts). `exec` is the one transport: it runs an argument array and gives its
 * exit code, stdout and stderr (or throws a KernelError when the transport itself failed).
 */
import { Channel } from "./channel";
import { Executor, failure, KernelError, missing, missingCapabilities, PathInfo, privilegeMessage, RunOptions, trace } from "./exec";

/**
 * Shell: `make_in DIR FILE` makes DIR and creates FILE in it (kept if there). removeFile prunes the
 * directories it empties (`rmdir`), so another command's directory can vanish between its `mkdir -p`
 * and its file: that lost race is taken again (at most 200 times, with no wait — the file, once made,
 * keeps the directory), and only a directory that cannot be made fails, with mkdir's own words.
 * `true`, not `:`: a failed redirection of a special builtin ends dash itself (exit 2, no retry).
 */
export const MAKE_IN =
  'make_in() { n=0; until { mkdir -p -- "$1" && true >>"$2"; } 2>/dev/null; do n=$((n+1)); if [ "$n" -ge 200 ]; then mkdir -p -- "$1" && true >>"$2"; return; fi; done; }; make_in';

/**
 * Shell: `make_temp DIR` makes DIR and a new empty file of a random name in it (mode 0600, created
 * exclusively), its path in $t; the lost race with a concurrent prune is taken again as in MAKE_IN
 * (the loop's own status is that of its last mkdir, which may have lost the race: hence return 0).
 */
export const MAKE_TEMP =
  'make_temp() { n=0; until t=$(mktemp -p "$1" .netns-lab-XXXXXXXXXX 2>/dev/null); do n=$((n+1)); if [ "$n" -ge 200 ]; then t=$(mktemp -p "$1" .netns-lab-XXXXXXXXXX) || return 1; break; fi; mkdir -p -- "$1" 2>/dev/null; done; return 0; }; make_temp';

export type Exec = (file: string, args: readonly string[], opts?: RunOptions) => Promise<{ code: number; stdout: string; stderr: string }>;

/**
 * The transport of a machine that is not this process's: each command over the command channel
 * (channel.ts; `open` makes it, unless NETNS_LAB_SSH_CHANNEL=0), else `once` (one process per
 * command, traced as `via`). No python3 there (the agent exits 127): `once` from then on. Any other
 * failure to open (unreachable…): this command goes by `once`, which says what is wrong, and the
 * channel is tried again next time. SSH (ssh.ts) and the sandbox (sandbox.ts) both use it.
 */
export function channelFirst(where: string, open: () => Channel, once: Exec, via: string): Exec {
  let channel: Channel | undefined = process.env.NETNS_LAB_SSH_CHANNEL === "0" ? undefined : open();
  const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
  return async (file, args, opts = {}) => {
    const t0 = process.hrtime.bigint();
    if (channel) {
      try {
        const r = await channel.run([file, ...args], opts.input);
        trace({ command: file, ms: ms(t0), where, via: "channel" });
        return r;
      } catch (e) {
        const opened = (e as { opened?: { code: number } }).opened;
        if (!opened) throw e;
        if (opened.code === 127) channel = undefined;
      }
    }
    const r = await once(file, args, opts);
    trace({ command: file, ms: ms(t0), where, via });
    return r;
  };
}

/** `first`: a check of the transport's own made before the uid and capabilities are read (the sandbox: that it can be made). */
export function commandExecutor(where: string, exec: Exec, first?: () => Promise<string | null>): Executor {
  const x: Executor = {
    where,

    async run(file, args, opts = {}) {
      const r = await exec(file, args, opts);
      if (r.code === 127 && /not found/.test(r.stderr)) throw missing(file, args, opts.doing);
      if (r.code !== 0) throw failure(file, args, r.code, (r.stderr || r.stdout || "").trim(), opts.doing ? `${opts.doing} on ${where}` : undefined);
      opts.onStderr?.(r.stderr.replace(/\n$/, ""));
      return r.stdout.replace(/\n$/, "");
    },

    async stat(p) {
      const r = await exec("stat", ["-L", "-c", "%i %f %d", "--", p]);
      if (r.code !== 0) return undefined;
      const [ino, hexMode, dev] = r.stdout.trim().split(" ");
      const mode = parseInt(hexMode, 16);
      const type = mode & 0o170000;
      const info: PathInfo = { ino: Number(ino), dev: Number(dev), mode, isFile: type === 0o100000, isDirectory: type === 0o040000 };
      return info;
    },

    async readFile(p) {
      const r = await exec("cat", ["--", p]);
      if (r.code === 0) return r.stdout;
      if (/No such file or directory/.test(r.stderr)) return undefined;
      throw failure("cat", [p], r.code, r.stderr.trim());
    },

    async writeFile(p, text, mode = 0o644) {
      const dir = p.slice(0, p.lastIndexOf("/")) || "/";
      // A fixed script; the paths and mode come as its arguments. The temporary file has a random
      // name and is made exclusively (MAKE_TEMP: mktemp, O_EXCL), written without following a link
      // (dd oflag=nofollow), then renamed over the target (a link there is replaced, not followed).
      await x.run("sh", ["-c", `${MAKE_TEMP} "$1" && dd of="$t" oflag=nofollow conv=notrunc status=none && chmod "$2" -- "$t" && mv -f -- "$t" "$3" || { rm -f -- "$t"; exit 1; }`, "sh", dir, mode.toString(8), p], {
        input: text,
        doing: `write ${p}`,
      });
    },

    async removeFile(p, pruneBelow) {
      const r = await exec("sh", ["-c", 'if [ -e "$1" ] || [ -L "$1" ]; then rm -f -- "$1" && echo removed; fi', "sh", p]);
      if (r.code !== 0) throw failure("rm", [p], r.code, r.stderr.trim());
      const root = pruneBelow?.replace(/\/+$/, "");
      for (let dir = p.slice(0, p.lastIndexOf("/")); root && dir.startsWith(`${root}/`); dir = dir.slice(0, dir.lastIndexOf("/"))) {
        if ((await exec("rmdir", ["--", dir])).code !== 0) break; // not empty, or gone
      }
      return r.stdout.trim() === "removed";
    },

    async listDir(p) {
      const r = await exec("ls", ["-A1", "--", p]);
      return r.code === 0 ? r.stdout.split("\n").filter(Boolean) : [];
    },

    async start(file, args, opts) {
      const env = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
      // Detached in its own session, stdin /dev/null, output appended to the log; `$!` is its pid
      // (setsid does not fork when its caller is not a group leader, as a background job is not).
      const script = `log=$1; cwd=$2; shift 2; ${MAKE_IN} "$(dirname -- "$log")" "$log" && cd -- "$cwd" && { setsid env -i "$@" </dev/null >>"$log" 2>&1 & echo $!; }`;
      const out = await x.run("sh", ["-c", script, "sh", opts.logFile, opts.cwd ?? "/", ...env, file, ...args], { doing: `start ${file}` });
      const pid = Number(out.trim());
      if (!Number.isInteger(pid) || pid <= 0) throw new KernelError(`start ${file} on ${where}: no pid (${out.trim()})`, "other", [file, ...args], out);
      return pid;
    },

    async kill(pid, signal) {
      const r = await exec("kill", ["-s", signal.replace(/^SIG/, ""), "--", String(pid)]);
      if (r.code !== 0) {
        const e = new Error(`kill ${pid} on ${where}: ${r.stderr.trim()}`) as NodeJS.ErrnoException;
        e.code = /No such process/.test(r.stderr) ? "ESRCH" : "EPERM";
        throw e;
      }
    },

    async privilegeProblem() {
      const before = await first?.();
      if (before) return before;
      let status: string;
      try {
        status = (await x.readFile("/proc/self/status")) ?? "";
      } catch (e) {
        return (e as Error).message;
      }
      const uid = /^Uid:\s*(\d+)/m.exec(status)?.[1];
      if (uid !== "0") return `machine ${where}: netns-lab needs root there (logged in as uid ${uid}); connect as root (user: "root")`;
      const lacking = missingCapabilities(/^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0");
      return lacking.length ? `machine ${where}: ${privilegeMessage(lacking)}` : null;
    },
  };
  return x;
}
