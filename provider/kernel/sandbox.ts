/**
 * The sandbox: labs for a user who is not root. One long-lived holder process per user owns a user
 * namespace (the user mapped to root in it), a mount namespace (its own /run, so its own /run/netns
 * and /run/netns-lab, and its own /etc/netns) and a network namespace (the sandbox's "root"
 * namespace: nothing of a lab reaches the host's). The holder is `sleep infinity` started through
 * `unshare`; everything else enters it with `nsenter --preserve-credentials` (the user's own uid is
 * root in there, with every capability over what the sandbox owns and none over the host).
 *
 * It is a machine like the others: `sandboxExecutor()` (sandbox-executor.ts) runs every command in it (the command channel
 * of channel.ts through nsenter, or one nsenter per command where python3 is missing), so every kind,
 * the sweep, verify, status, logs, exec and capture work in it unchanged. `local` (exec.ts) is this
 * executor for a user who is not root (NETNS_LAB_SANDBOX=1 forces it, =0 turns it off).
 *
 * Where its record lives: $NETNS_LAB_SANDBOX_DIR, else <tmpdir>/netns-lab-sandbox-<uid> (mode 0700,
 * the user's own; /tmp because an account such as nobody has no home). The holder lives until
 * `netns-lab sandbox stop` (or a reboot); a lab's namespaces live as long as it does.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bootId, KernelError } from "./exec";
import { spawnEnv } from "./env";
import { isPrivate, NotPrivateError, privateDir, readPrivate } from "../private";
import { startHolder } from "./sandbox-start";

export * from "./sandbox-advice";

/** The holder's marker (the before-stop hook and the sweep of tests find it by NETNS_LAB_OWNER). */
export const SANDBOX_OWNER = "netns-lab/sandbox";

/** Whether commands meant for "this machine" go to the sandbox: not root, unless NETNS_LAB_SANDBOX says. */
export function sandboxWanted(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): boolean {
  if (env.NETNS_LAB_SANDBOX === "0") return false;
  if (env.NETNS_LAB_SANDBOX === "1") return true;
  return uid !== 0;
}

export function sandboxDir(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): string {
  return env.NETNS_LAB_SANDBOX_DIR || path.join(os.tmpdir(), `netns-lab-sandbox-${uid}`);
}

/** The running holder: its pid, its start time (so a reused pid is not taken for it), its user namespace. */
export interface Holder {
  pid: number;
  start: string;
  userns: string;
  /** How /etc/netns was made the sandbox's own: a tmpfs over the host's, or an overlay over /etc (no /etc/netns on the host). */
  etc: "tmpfs" | "overlay";
  /** Which ids it maps: the user's alone (to root), or its subordinate range too (setgroups allowed: tcpdump works). */
  ids: "own" | "subordinate";
  /** The boot it was started in (/proc/sys/kernel/random/boot_id): a record of an earlier boot names no holder. */
  boot?: string;
  since: string;
}

/** A local process's start time (clock ticks since boot, /proc/PID/stat's 22nd field): with its pid, it names the process (pids are reused). */
export const startTime = (pid: number): string | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" || fields[0] === "X" ? undefined : fields[19]; // a zombie has ended
  } catch {
    return undefined;
  }
};
/**
 * Whether a local process is still there: its pid and, where known, its start time (a pid a killed
 * process left may since be another process's: that one is not it).
 */
export function running(pid: number, start?: string): boolean {
  if (start !== undefined) return startTime(pid) === start;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
export const nsOf = (pid: number | "self", ns: string): string | undefined => {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
};

export const readKnob = (p: string): string | undefined => {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
};
export class SandboxError extends KernelError {
  constructor(message: string) {
    super(message, "not-permitted", ["unshare"], "");
  }
}

export const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
/** The argument array that runs a command in the holder's namespaces (as the sandbox's root). */
export function enterArgv(h: Pick<Holder, "pid">, cwd = "/"): string[] {
  return ["nsenter", "-t", String(h.pid), "-U", "-m", "-n", "--preserve-credentials", `--wd=${cwd}`, "--"];
}

/** What to do when the sandbox's directory is not the user's own. */
const DIR_ADVICE = "remove it (as its owner, or root), or set NETNS_LAB_SANDBOX_DIR to a directory of your own";

/** The record's directory, made private if absent; throws NotPrivateError (as a SandboxError) when someone else's. */
function ownDir(dir: string): void {
  try {
    privateDir(dir, DIR_ADVICE);
  } catch (e) {
    if (e instanceof NotPrivateError) throw new SandboxError(e.message);
    throw e;
  }
}

/**
 * Whether a process is the holder a record names: the same start time and user namespace, one of
 * this user's own processes, in a user namespace that is not this process's own (a record naming
 * the user's login shell, planted or stale, would otherwise make stop kill the user's session).
 */
function isHolder(h: Holder): boolean {
  if (!Number.isInteger(h.pid) || h.pid <= 1 || typeof h.userns !== "string" || (h.boot !== undefined && h.boot !== bootId())) return false;
  if (startTime(h.pid) !== h.start || nsOf(h.pid, "user") !== h.userns || h.userns === nsOf("self", "user")) return false;
  try {
    return fs.statSync(`/proc/${h.pid}`).uid === (process.getuid?.() ?? 0);
  } catch {
    return false;
  }
}

/** The record, read only from the user's own directory (absent, someone else's, or a link: none). */
function readRecord(dir: string): Holder | undefined {
  const text = readPrivate(path.join(dir, "holder.json"));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Holder;
  } catch {
    return undefined;
  }
}

/** The holder if it runs (its record, from the user's own directory, checked against the process). */
export function findHolder(dir = sandboxDir()): Holder | undefined {
  const h = readRecord(dir);
  return h && isHolder(h) ? h : undefined;
}

/**
 * What a holder that died left (killed, `sandbox stop --force` of another version, its pid gone
 * otherwise): daemons that switched to subordinate ids (FRR's, as frr) keep its user namespace, and
 * its namespaces, alive. They are ended (the user owns that user namespace, so may signal them).
 * Only a record from the user's own directory is read; never the user namespace this process is in.
 */
function endOrphans(dir: string): number {
  const h = readRecord(dir);
  if (!h || typeof h.userns !== "string" || h.userns === nsOf("self", "user") || isHolder(h)) return 0;
  return endAll(h);
}

/**
 * Ends every process in the holder's user namespace: SIGTERM, then (for what is left after up to
 * 2 s) SIGKILL; the holder, if it still runs, after the others. Returns how many were signalled.
 */
function endAll(h: Holder): number {
  let signalled = 0;
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    const pids = sandboxProcesses(h);
    for (const pid of pids.filter((p) => p !== h.pid).concat(pids.includes(h.pid) ? [h.pid] : [])) {
      try {
        process.kill(pid, signal);
        if (signal === "SIGTERM") signalled++;
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 100 && sandboxProcesses(h).length; i++) sleepMs(20);
    if (!sandboxProcesses(h).length) break;
  }
  return signalled;
}

/** The holder, started (and set up) if it does not run. Throws a clear error where user namespaces are refused. */
export function ensureHolder(dir = sandboxDir()): Holder {
  ownDir(dir); // before anything in it is read
  const found = findHolder(dir);
  if (found) return found;
  const lock = path.join(dir, "lock");
  for (let waited = 0; ; waited += 50) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const h = findHolder(dir);
      if (h) return h;
      // Another process is starting it; a lock older than 30 s was left by one that was killed.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 30_000) fs.rmSync(lock, { recursive: true, force: true });
      if (waited > 60_000) throw new SandboxError(`the sandbox is being started by another process for over a minute (${lock}): remove that directory if none is`);
      sleepMs(50);
    }
  }
  try {
    const h = findHolder(dir);
    if (h) return h;
    endOrphans(dir);
    return startHolder(dir);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The pids of every live process in the holder's user namespace (the holder itself, nodes' daemons, agents; not zombies). */
export function sandboxProcesses(h: Holder): number[] {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => nsOf(pid, "user") === h.userns && !/\) Z /.test(readKnob(`/proc/${pid}/stat`) ?? ") Z "));
}

/** The network namespaces in the sandbox (its /run/netns). */
export function sandboxNamespaces(h: Holder): string[] {
  const r = spawnSync("nsenter", [...enterArgv(h).slice(1), "ip", "netns", "list"], { encoding: "utf8", env: spawnEnv() });
  return r.status === 0 ? r.stdout.split("\n").map((l) => l.split(" ")[0]).filter(Boolean).sort() : [];
}

export interface SandboxStatus {
  running: boolean;
  dir: string;
  holder?: Holder;
  namespaces: string[];
  processes: number;
}

/** A directory that exists (or a link) and is not the user's own: refused, saying whose (a planted one is never read). */
function checkDir(dir: string): void {
  if (fs.lstatSync(dir, { throwIfNoEntry: false }) && !isPrivate(dir)) ownDir(dir);
}

export function sandboxStatus(dir = sandboxDir()): SandboxStatus {
  checkDir(dir);
  const h = findHolder(dir);
  if (!h) return { running: false, dir, namespaces: [], processes: 0 };
  return { running: true, dir, holder: h, namespaces: sandboxNamespaces(h), processes: sandboxProcesses(h).length };
}

/**
 * Ends the sandbox: every process in it (the holder last), so its namespaces go with it. Refuses
 * while it holds namespaces unless `force` (a stack whose lab is up would find its lab gone).
 */
export function stopSandbox(dir = sandboxDir(), force = false): { stopped: boolean; namespaces: string[]; killed: number } {
  checkDir(dir);
  const h = findHolder(dir);
  if (!h) return { stopped: false, namespaces: [], killed: endOrphans(dir) };
  const namespaces = sandboxNamespaces(h);
  if (namespaces.length && !force) {
    throw new SandboxError(`the sandbox holds ${namespaces.length} network namespace(s) (${namespaces.slice(0, 5).join(", ")}${namespaces.length > 5 ? ", …" : ""}): destroy those labs first (bin/pulumi destroy), or stop it with --force (their stacks will find them gone: refresh them)`);
  }
  const killed = endAll(h);
  fs.rmSync(path.join(dir, "holder.json"), { force: true });
  return { stopped: true, namespaces, killed };
}

/** What a lab in the sandbox lives in: this boot and this holder (another after `sandbox stop` or a killed holder). */
export const sandboxHome = (h: Holder | undefined): string =>
  h ? require("crypto").createHash("sha256").update(`${bootId()} ${h.pid} ${h.start} ${h.userns}`).digest("hex").slice(0, 8) : "gone";
