/**
 * The executor: the only place a command runs. Every call is an argument array (never a shell), and
 * every failure becomes a KernelError (errors.ts, re-exported here) that says what was being
 * attempted, why it failed and what to do about it.
 *
 * `Executor` is the seam for running elsewhere: `local` runs on this machine with execa; an
 * executor over SSH implements the same four methods.
 */
import execa = require("execa");
import * as fs from "fs";
import { spawnEnv } from "./env";
import { writeAtomic } from "../private";
import { failure, inUserNamespace, KernelError, missing, missingCapabilities, privilegeMessage, userNamespaceMessage } from "./errors";

export * from "./errors";

export interface RunOptions {
  /** Text for the command's standard input (e.g. an `ip -batch -` script). */
  input?: string;
  /** What the caller was doing, for the error message, e.g. `create veth host1-r1 in host1`. */
  doing?: string;
  /** Handed the command's standard error when it succeeds (a failure's is in the error). */
  onStderr?: (text: string) => void;
}

/** What a path is, as far as kinds need to know (no process spawned locally). */
export interface PathInfo {
  ino: number;
  /** The device it is on (a namespace's file under /run/netns is on nsfs's, not /run's). */
  dev: number;
  mode: number;
  isFile: boolean;
  isDirectory: boolean;
}

/** Where commands run. Everything above it is the same whether the node is here or elsewhere. */
export interface Executor {
  /** A short name for messages: "local", or "root@m1" for a remote machine. */
  readonly where: string;
  /** Runs a command and returns its stdout; throws a KernelError on failure. */
  run(file: string, args: readonly string[], opts?: RunOptions): Promise<string>;
  /** stat(2) of a path, or undefined when it does not exist. */
  stat(path: string): Promise<PathInfo | undefined>;
  /** A file's text, or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Writes a file whole (through a temporary file and a rename), making its directory. */
  writeFile(path: string, text: string, mode?: number): Promise<void>;
  /**
   * Removes a file (false if it was not there); with `pruneBelow`, then each directory between it
   * and `pruneBelow` (exclusive) that is left empty.
   */
  removeFile(path: string, pruneBelow?: string): Promise<boolean>;
  /** The names in a directory (empty when it does not exist). */
  listDir(path: string): Promise<string[]>;
  /**
   * Starts a program detached: its own session (process group), stdin from /dev/null, stdout and
   * stderr appended to `logFile`, the environment exactly `env`. Returns its pid.
   */
  start(file: string, args: readonly string[], opts: { env: Record<string, string>; cwd?: string; logFile: string }): Promise<number>;
  /** Sends a signal to a process (a negative pid: its whole group). */
  kill(pid: number, signal: NodeJS.Signals): Promise<void>;
  /** Why this executor cannot change the kernel, or null if it can (checked before the first change). */
  privilegeProblem(): Promise<string | null>;
  /**
   * What the objects made through it live in, read without running a command: this boot (root's
   * kernel: the boot id's first 8 hex digits), or this boot and the sandbox's holder (a user who is
   * not root: 8 hex digits of their hash); "gone" when the sandbox does not run. Short: every
   * resource's state carries it. A resource records it; a later `up` that finds another replaces the resource
   * (kinds/kind.ts). Absent for remote machines (reading it would need the machine during preview).
   */
  home?(): string;
}

let boot: string | undefined;
/** This boot's id (/proc/sys/kernel/random/boot_id): what a reboot changes (read once: a process lives in one boot). */
export function bootId(): string {
  if (boot === undefined) {
    try {
      boot = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      boot = "";
    }
  }
  return boot;
}

export function trace(entry: object): void {
  if (process.env.NETNS_LAB_TRACE) fs.appendFileSync(process.env.NETNS_LAB_TRACE, JSON.stringify(entry) + "\n");
}

/**
 * Opens `file` (flags as fs.openSync), making its directory first. Another process's removeFile may
 * prune that directory while it is empty, between the two: the lost race is taken again (at most 200
 * times, no wait — the file, once made, keeps the directory). As commands.ts MAKE_IN does in shell.
 */
function openIn(file: string, flags: string | number, mode?: number): number {
  const dir = file.slice(0, file.lastIndexOf("/")) || "/";
  for (let n = 0; ; n++) {
    fs.mkdirSync(dir, { recursive: true });
    try {
      return fs.openSync(file, flags, mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || n >= 200) throw e;
    }
  }
}

/** This machine's own kernel, as this process sees it (root's labs). */
export const host: Executor = {
  where: "local",
  home: () => bootId().slice(0, 8),

  async run(file, args, opts = {}) {
    const t0 = process.hrtime.bigint();
    let result: execa.ExecaReturnValue;
    try {
      result = await execa(file, [...args], { input: opts.input, reject: false, stripFinalNewline: true, env: spawnEnv(), extendEnv: false });
    } catch (e) {
      throw new KernelError(`${opts.doing ?? [file, ...args].join(" ")}: ${(e as Error).message}`, "other", [file, ...args], "");
    }
    trace({ command: file, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    if ((result as { code?: string }).code === "ENOENT") throw missing(file, args, opts.doing);
    if (result.exitCode !== 0) throw failure(file, args, result.exitCode, (result.stderr || result.stdout || "").trim(), opts.doing);
    opts.onStderr?.(result.stderr);
    return result.stdout;
  },

  async stat(path) {
    try {
      const s = fs.statSync(path);
      return { ino: s.ino, dev: s.dev, mode: s.mode, isFile: s.isFile(), isDirectory: s.isDirectory() };
    } catch {
      return undefined;
    }
  },

  async readFile(path) {
    try {
      return fs.readFileSync(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  },

  async writeFile(path, text, mode = 0o644) {
    // A temporary file of a random name, made exclusively without following links, given its mode
    // through its descriptor, renamed over the target: safe where others can write the directory
    // (FRR's /var/run/frr/<ns>/ is frr's): a planted link is replaced, never written through.
    writeAtomic(path, text, mode, (tmp, flags, m) => openIn(tmp, flags, m));
  },

  async removeFile(path, pruneBelow) {
    let removed = true;
    try {
      fs.unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      removed = false;
    }
    const root = pruneBelow?.replace(/\/+$/, "");
    for (let dir = path.slice(0, path.lastIndexOf("/")); root && dir.startsWith(`${root}/`); dir = dir.slice(0, dir.lastIndexOf("/"))) {
      try {
        fs.rmdirSync(dir);
      } catch {
        break; // not empty, or gone: leave it and what is above
      }
    }
    return removed;
  },

  async listDir(path) {
    try {
      return fs.readdirSync(path);
    } catch {
      return [];
    }
  },

  async start(file, args, opts) {
    const log = openIn(opts.logFile, "a");
    try {
      const child = require("child_process").spawn(file, [...args], { detached: true, stdio: ["ignore", log, log], env: opts.env, cwd: opts.cwd });
      const pid: number | undefined = child.pid;
      if (pid === undefined) {
        const err: Error = await new Promise((r) => child.once("error", r));
        throw new KernelError(`start ${file}: ${err.message}`, (err as NodeJS.ErrnoException).code === "ENOENT" ? "missing-tool" : "other", [file, ...args], "");
      }
      child.on("error", () => undefined);
      child.unref();
      return pid;
    } finally {
      fs.closeSync(log);
    }
  },

  async kill(pid, signal) {
    process.kill(pid, signal);
  },

  async privilegeProblem() {
    let eff = "0";
    try {
      eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0";
    } catch {
      /* not Linux: no capabilities */
    }
    const lacking = missingCapabilities(eff);
    if (lacking.length) return privilegeMessage(lacking);
    let uidMap = "0 0 4294967295";
    try {
      uidMap = fs.readFileSync("/proc/self/uid_map", "utf8");
    } catch {
      /* no user namespaces in this kernel */
    }
    return inUserNamespace(uidMap) ? userNamespaceMessage : null;
  },
};

let here: Executor | undefined;
/** What runs "on this machine": its kernel for root, the user's sandbox for anyone else (sandbox.ts). */
function chosen(): Executor {
  if (!here) {
    // Required here, not imported: sandbox.ts builds on this module.
    const sandbox = require("./sandbox") as typeof import("./sandbox");
    here = sandbox.sandboxWanted() ? (require("./sandbox-executor") as typeof import("./sandbox-executor")).sandboxExecutor() : host;
  }
  return here;
}

/** This machine: every kind's executor when its `machine` is not given. */
export const local: Executor = {
  get where() {
    return chosen().where;
  },
  run: (file, args, opts) => chosen().run(file, args, opts),
  stat: (p) => chosen().stat(p),
  readFile: (p) => chosen().readFile(p),
  writeFile: (p, text, mode) => chosen().writeFile(p, text, mode),
  removeFile: (p, pruneBelow) => chosen().removeFile(p, pruneBelow),
  listDir: (p) => chosen().listDir(p),
  start: (file, args, opts) => chosen().start(file, args, opts),
  kill: (pid, signal) => chosen().kill(pid, signal),
  privilegeProblem: () => chosen().privilegeProblem(),
  home: () => chosen().home?.() ?? "",
};
