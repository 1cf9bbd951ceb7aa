/**
 * The sandbox: labs for a user who is not root. One long-lived holder process per user owns a user
 * namespace (the user mapped to root in it), a mount namespace (its own /run, so its own /run/netns
 * and /run/netns-lab, and its own /etc/netns) and a network namespace (the sandbox's "root"
 * namespace: nothing of a lab reaches the host's). The holder is `sleep infinity` started through
 * `unshare`; everything else enters it with `nsenter --preserve-credentials` (the user's own uid is
 * root in there, with every capability over what the sandbox owns and none over the host).
 *
 * It is a machine like the others: `sandboxExecutor()` runs every command in it (the command channel
 * of channel.ts through nsenter, or one nsenter per command where python3 is missing), so every kind,
 * the sweep, verify, status, logs, exec and capture work in it unchanged. `local` (exec.ts) is this
 * executor for a user who is not root (NETNS_LAB_SANDBOX=1 forces it, =0 turns it off).
 *
 * Where its record lives: $NETNS_LAB_SANDBOX_DIR, else <tmpdir>/netns-lab-sandbox-<uid> (mode 0700,
 * the user's own; /tmp because an account such as nobody has no home). The holder lives until
 * `netns-lab sandbox stop` (or a reboot); a lab's namespaces live as long as it does.
 */
import { ChildProcess, execFile, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { agentArgv, Channel } from "./channel";
import { channelFirst, commandExecutor } from "./commands";
import { Executor, KernelError, missing } from "./exec";
import { spawnEnv } from "./env";
import { isPrivate, NotPrivateError, privateDir, readPrivate, writePrivate } from "../private";

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
 * What to do where the sandbox maps the user's id alone and `what` needs other users (tcpdump and
 * FRR switch to their own): the words, ending in what to run.
 */
export function subordinateIdsAdvice(what: string, user = os.userInfo().username): string {
  return (
    `${what} needs subordinate ids in the sandbox, which maps ${user}'s own id alone here: install uidmap (apt-get install uidmap) and give ${user} ` +
    `a range in /etc/subuid and /etc/subgid (as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user}), then netns-lab sandbox stop, and up again; or run it as root`
  );
}
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
/** This boot's id: a lab made before a reboot is gone. */
export const bootId = (): string => readKnob("/proc/sys/kernel/random/boot_id")?.trim() ?? "";
const nsOf = (pid: number | "self", ns: string): string | undefined => {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
};

/**
 * Why unprivileged user namespaces do not work here, in words that say what to do; from the
 * failed probe's stderr and the knobs that cause it (pure: the caller reads them).
 */
export function userNamespaceAdvice(stderr: string, knobs: { unprivilegedUsernsClone?: string; maxUserNamespaces?: string; apparmorRestrict?: string; inContainer?: boolean }): string {
  const head = `netns-lab runs labs for a user who is not root in a sandbox (a user namespace), and this machine refuses one (${stderr.trim().split("\n").pop() || "unshare failed"})`;
  if (knobs.unprivilegedUsernsClone?.trim() === "0") return `${head}: unprivileged user namespaces are off (kernel.unprivileged_userns_clone = 0); as root: sysctl -w kernel.unprivileged_userns_clone=1, or run netns-lab as root`;
  if (knobs.maxUserNamespaces?.trim() === "0") return `${head}: user.max_user_namespaces is 0; as root: sysctl -w user.max_user_namespaces=10000, or run netns-lab as root`;
  if (knobs.apparmorRestrict?.trim() === "1") {
    return `${head}: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10 and later); as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for unshare that allows userns, or run netns-lab as root`;
  }
  if (knobs.inContainer) {
    return `${head}: in a container, its seccomp profile (Docker's default refuses unshare(CLONE_NEWUSER) without CAP_SYS_ADMIN) or its own user namespace limits forbid it; start the container with --security-opt seccomp=unconfined (or a profile allowing unshare and setns), or run netns-lab as root in a --privileged container`;
  }
  return `${head}: no sysctl here forbids it, so a seccomp filter (a container's profile: Docker's default refuses unshare without CAP_SYS_ADMIN) or a security module (AppArmor, SELinux) does; allow unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWNS) for this user (a container: --security-opt seccomp=unconfined), or run netns-lab as root`;
}

const readKnob = (p: string): string | undefined => {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
};
const inContainer = (): boolean => fs.existsSync("/.dockerenv") || fs.existsSync("/run/.containerenv") || /docker|kubepods|containerd|lxc/.test(readKnob("/proc/1/cgroup") ?? "");

class SandboxError extends KernelError {
  constructor(message: string) {
    super(message, "not-permitted", ["unshare"], "");
  }
}

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const UNSHARE = ["unshare", "--user", "--map-root-user", "--net", "--mount", "--propagation", "private", "--"];
/**
 * With newuidmap/newgidmap (Debian's uidmap) and a subordinate range of the user's in /etc/subuid
 * and /etc/subgid, the sandbox maps that range too (`--map-auto`, as rootless Podman does): then
 * setgroups(2) is allowed in it and programs that switch users work (tcpdump, which drops to its
 * own user). Without, only the user's own uid is mapped (to root), and those programs cannot.
 */
export function subordinateIds(user: string, files: { subuid?: string; subgid?: string }, helpers: boolean): boolean {
  const has = (text?: string) => (text ?? "").split("\n").some((l) => l.split(":")[0] === user && Number(l.split(":")[2]) > 0);
  return helpers && has(files.subuid) && has(files.subgid);
}
const userName = (): string => {
  try {
    return require("os").userInfo().username;
  } catch {
    return String(process.getuid?.());
  }
};
/**
 * Whether the set-uid helpers can work for this process: installed, and neither no_new_privs nor a
 * bounding set without CAP_SETUID and CAP_SETGID takes their privilege away (then unshare's helper
 * child fails and, in util-linux 2.38, can be left waiting forever).
 */
export function helpersUsable(status: string, installed: boolean): boolean {
  if (!installed || /^NoNewPrivs:\s*1$/m.test(status)) return false;
  const bnd = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0"}`);
  return ((bnd >> 6n) & 1n) === 1n && ((bnd >> 7n) & 1n) === 1n; // CAP_SETGID, CAP_SETUID
}
const withSubordinateIds = (): boolean =>
  subordinateIds(
    userName(),
    { subuid: readKnob("/etc/subuid"), subgid: readKnob("/etc/subgid") },
    helpersUsable(readKnob("/proc/self/status") ?? "", ["/usr/bin/newuidmap", "/usr/bin/newgidmap"].every((f) => fs.existsSync(f))),
  );

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
  if (!Number.isInteger(h.pid) || h.pid <= 1 || typeof h.userns !== "string") return false;
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
  let n = 0;
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    const left = sandboxProcesses(h);
    for (const pid of left) {
      try {
        process.kill(pid, signal);
        n++;
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 100 && sandboxProcesses(h).length; i++) sleepMs(20);
    if (!sandboxProcesses(h).length) break;
  }
  return n;
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

function startHolder(dir: string): Holder {
  // The probe's stderr goes to a file, not a pipe (a helper child it left behind would hold a pipe open), and it is bounded.
  const tryUnshare = (argv: string[]) => {
    const errFile = path.join(dir, "probe.err");
    const err = fs.openSync(errFile, "w");
    const r = spawnSync(argv[0], [...argv.slice(1), "true"], { stdio: ["ignore", "ignore", err], env: spawnEnv(), timeout: 10_000, killSignal: "SIGKILL" });
    fs.closeSync(err);
    const stderr = fs.readFileSync(errFile, "utf8") + (r.signal ? `${argv[0]} did not finish in 10 s` : "");
    fs.rmSync(errFile, { force: true });
    return { status: r.signal ? 1 : r.status, stderr, error: r.error };
  };
  let ids: Holder["ids"] = "own";
  let unshare = UNSHARE;
  let probe: ReturnType<typeof tryUnshare> | undefined;
  if (withSubordinateIds()) {
    // newuidmap is set-uid root: refused where the bounding set or no_new_privs takes its capabilities; then the user's own id alone.
    const auto = [...UNSHARE.slice(0, 3), "--map-auto", ...UNSHARE.slice(3)];
    probe = tryUnshare(auto);
    if (probe.status === 0) [ids, unshare] = ["subordinate", auto];
  }
  if (ids === "own") probe = tryUnshare(unshare);
  probe = probe!;
  if (probe.error) throw missing("unshare", [], "start the sandbox");
  if (probe.status !== 0) {
    throw new SandboxError(
      userNamespaceAdvice(probe.stderr, {
        unprivilegedUsernsClone: readKnob("/proc/sys/kernel/unprivileged_userns_clone"),
        maxUserNamespaces: readKnob("/proc/sys/user/max_user_namespaces"),
        apparmorRestrict: readKnob("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
        inContainer: inContainer(),
      }),
    );
  }
  const logFile = path.join(dir, "holder.log");
  const log = fs.openSync(logFile, "w");
  const child = spawn(unshare[0], [...unshare.slice(1), "sleep", "infinity"], { detached: true, stdio: ["ignore", log, log], env: { ...spawnEnv(), NETNS_LAB_OWNER: SANDBOX_OWNER } });
  fs.closeSync(log);
  child.unref();
  const pid = child.pid;
  if (!pid) throw missing("unshare", [], "start the sandbox");
  const own = nsOf("self", "user");
  const fail = (why: string): never => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
    throw new SandboxError(`the sandbox could not be set up: ${why}`);
  };
  // Ready once unshare has made the namespaces and become `sleep` (a start-up wait, bounded).
  for (let i = 0; ; i++) {
    const comm = readKnob(`/proc/${pid}/comm`)?.trim();
    if (comm === "sleep" && nsOf(pid, "user") !== own) break;
    if (comm === undefined || readKnob(`/proc/${pid}/stat`)?.includes(") Z ")) fail(fs.readFileSync(logFile, "utf8").trim() || "the holder exited");
    if (i > 500) fail("the holder did not start within 5 s");
    sleepMs(10);
  }
  const run = (...argv: string[]) => {
    const r = spawnSync("nsenter", [...enterArgv({ pid }).slice(1), ...argv], { encoding: "utf8", env: spawnEnv() });
    if (r.status !== 0) fail(`${argv.join(" ")}: ${(r.stderr || r.error?.message || "").trim()}`);
  };
  run("mount", "-t", "tmpfs", "-o", "mode=0755", "netns-lab-run", "/run");
  run("mkdir", "-p", "/run/netns", "/run/netns-lab");
  // ip netns exec binds /etc/netns/<ns>/* over /etc: the sandbox needs an /etc/netns of its own.
  let etc: Holder["etc"] = "tmpfs";
  if (fs.existsSync("/etc/netns")) run("mount", "-t", "tmpfs", "-o", "mode=0755", "netns-lab-etc", "/etc/netns");
  else {
    etc = "overlay";
    run("mkdir", "-p", "/run/.netns-lab-etc/upper", "/run/.netns-lab-etc/work");
    run("mount", "-t", "overlay", "-o", "lowerdir=/etc,upperdir=/run/.netns-lab-etc/upper,workdir=/run/.netns-lab-etc/work", "netns-lab-etc", "/etc");
    run("mkdir", "-p", "/etc/netns");
  }
  run("ip", "link", "set", "lo", "up");
  const h: Holder = { pid, start: startTime(pid)!, userns: nsOf(pid, "user")!, etc, ids, boot: bootId(), since: new Date().toISOString() };
  writePrivate(path.join(dir, "holder.json"), JSON.stringify(h) + "\n");
  return h;
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

/** A directory that exists and is not the user's own: refused (a planted one is never read). */
function checkDir(dir: string): void {
  if (fs.existsSync(dir) || isLink(dir)) {
    if (!isPrivate(dir)) ownDir(dir); // throws, saying whose it is
  }
}
const isLink = (p: string): boolean => fs.lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;

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
  let killed = 0;
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    const pids = sandboxProcesses(h);
    for (const pid of pids.filter((p) => p !== h.pid).concat(pids.includes(h.pid) ? [h.pid] : [])) {
      try {
        process.kill(pid, signal);
        if (signal === "SIGTERM") killed++;
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 100 && sandboxProcesses(h).length; i++) sleepMs(20);
    if (!sandboxProcesses(h).length) break;
  }
  fs.rmSync(path.join(dir, "holder.json"), { force: true });
  return { stopped: true, namespaces, killed };
}

/** The executor for the sandbox: commands through the command channel (nsenter + the agent), else one nsenter each. */
export function sandboxExecutor(): Executor {
  const where = "sandbox";
  const cwd = process.cwd();
  const enter = () => enterArgv(ensureHolder(), cwd);
  const once = (file: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      let argv: string[];
      try {
        argv = [...enter(), file, ...args];
      } catch (e) {
        reject(e);
        return;
      }
      const child = execFile(argv[0], argv.slice(1), { maxBuffer: 1 << 28, encoding: "utf8", env: spawnEnv() }, (err, stdout, stderr) => {
        if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT") return reject(missing("nsenter", [], `run ${file} in the sandbox`));
        resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr });
      });
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(input ?? "");
    });

  const open = () =>
    new Channel(
      (): ChildProcess => {
        const argv = [...enter(), ...agentArgv];
        return spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env: spawnEnv() });
      },
      "",
      where,
    );
  const exec = channelFirst(where, open, (file, args, opts = {}) => once(file, args, opts.input), "nsenter");

  return commandExecutor(where, exec, async () => {
    try {
      ensureHolder();
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  });
}
