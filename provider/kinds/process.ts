/**
 * Process: a program running detached in a node's network namespace (its own session, stdin from
 * /dev/null, stdout and stderr to a log file), with its own host name (UTS namespace) if asked.
 * Marked by NETNS_LAB_OWNER=<owner> in its environment; known by pid and start time, so a reused
 * pid is never taken for ours. A dead process is gone (refresh drops it, up starts it again).
 */
import { z } from "zod";
import { KernelError } from "../kernel/exec";
import { baseEnv } from "../kernel/env";
import * as netns from "../kernel/netns";
import * as proc from "../kernel/proc";
import { netnsPath } from "../kernel/ip";
import * as nodefs from "../kernel/nodefs";
import { createHash } from "crypto";
import { absolutePath, argument, environment, hostname, nsname } from "./fields";
import { Ctx, defineKind, InputsOf, noNamespace, Props } from "./kind";
import { nameOfOwner, Need, pathsIn } from "../needs";
import { RUN_DIR_MARK as RUNDIR_MARK } from "../ownership";

const inputs = {
  /** The network namespace it lives in (a NetNamespace's name). */
  namespace: nsname,
  /** The program and its arguments: an absolute path, a name found on PATH, or a path relative to cwd. */
  command: z.array(argument).min(1, "a command needs at least the program"),
  /** The directory it starts in (absolute; default /). */
  cwd: absolutePath.optional(),
  /** Added to a small base environment (PATH, HOME, LANG). */
  env: environment.optional(),
  /** The process gets its own UTS namespace with this host name. */
  hostname: hostname.optional(),
  /** Default: /run/netns-lab/<project>/<stack>/<resource>.log */
  logFile: absolutePath.optional(),
  /** Seconds between SIGTERM and SIGKILL when stopping (default 5). */
  stopTimeout: z.number().min(0).max(300).default(5),
  /**
   * Processes of the same stack (their resource names) this one starts after and stops before,
   * e.g. ospfd after zebra. Each must be running when this one starts.
   */
  after: z.array(z.string().min(1)).optional(),
  /**
   * A directory the program keeps its run-time files in (FRR's /var/run/frr/<pathspace>): made
   * before it starts, marked as ours, and removed with everything in it when the process goes.
   * At least two levels deep; one that exists and is not ours is refused.
   */
  /**
   * Namespaces of its own besides the node's network one: "pid" (it is PID 1 of a PID namespace, with
   * its own /proc, so `ps` there shows only its tree), "ipc", "mount" (private propagation: its
   * mounts stay inside). The pid recorded is the program's as seen from outside.
   */
  isolate: z.array(z.enum(["pid", "ipc", "mount"])).refine((l) => new Set(l).size === l.length, "isolate lists each namespace once").optional(),
  /** It runs in the node's own filesystem view (a NodeFilesystem of the namespace): its /etc, /run, /tmp … instead of the host's. */
  filesystem: z.boolean().optional(),
  /** A directory it needs (e.g. /run/bird): made before it starts, marked ours, removed with it. */
  runDir: absolutePath.refine((d) => d.split("/").filter(Boolean).length >= 2, "runDir must be at least two levels deep (it is removed with all it holds)").optional(),
};
type I = InputsOf<typeof inputs>;

const RUN_DIR = "/run/netns-lab";
const logOf = (i: I) => i.logFile ?? `${RUN_DIR}/${i.owner}.log`;
/** The UTS namespace's bind mount, beside the log (so the sweep finds it by the stack's directory). */
const utsOf = (i: I) => `${RUN_DIR}/${i.owner}.uts`;
/** Where releases before it kept the mount: still released. */
const legacyUtsOf = (i: I) => `${RUN_DIR}/uts/${createHash("sha256").update(i.owner).digest("hex").slice(0, 16)}`;
/** The record of a run directory (its path), beside the log: the sweep finds it there. */
const runDirRecordOf = (i: I) => `${RUN_DIR}/${i.owner}.rundir`;


async function logTail(c: Ctx, file: string): Promise<string> {
  const text = (await c.x.readFile(file)) ?? "";
  return text.trimEnd().split("\n").slice(-10).join("\n") || "(the log is empty)";
}

async function removeUts(c: Ctx, i: I): Promise<void> {
  for (const file of [utsOf(i), legacyUtsOf(i)]) {
    if (!(await c.x.stat(file))) continue;
    await c.x.run("umount", [file], { doing: `release the UTS namespace of ${i.owner}` }).catch(() => undefined);
    await c.x.removeFile(file, "/run");
  }
}

/** Makes the run directory, marked; one that exists must be ours (or empty). */
async function makeRunDir(c: Ctx, i: I, undo: Array<() => Promise<unknown>>): Promise<void> {
  if (!i.runDir) return;
  const there = await c.x.listDir(i.runDir);
  const mark = there.includes(RUNDIR_MARK) ? (await c.x.readFile(`${i.runDir}/${RUNDIR_MARK}`))?.trim() : undefined;
  if (there.length && mark !== i.owner) {
    throw new Error(`cannot use ${i.runDir} as the run directory of ${i.command[0]}: it exists and is not ours (${mark ? `${mark}'s` : "not made by netns-lab"}); remove it yourself or choose another runDir`);
  }
  await c.x.writeFile(runDirRecordOf(i), `${i.runDir}\n`);
  undo.push(() => removeRunDir(c, i));
  await c.x.writeFile(`${i.runDir}/${RUNDIR_MARK}`, `${i.owner}\n`);
}

/** Removes the run directory with all it holds, if it carries our mark; then its record. */
export async function removeRunDir(c: Ctx, i: { runDir?: string; owner: string }): Promise<void> {
  if (!i.runDir) return;
  if ((await c.x.readFile(`${i.runDir}/${RUNDIR_MARK}`))?.trim() === i.owner) {
    await c.x.run("rm", ["-rf", "--one-file-system", "--", i.runDir], { doing: `remove the run directory ${i.runDir}` });
  }
  await c.x.removeFile(runDirRecordOf(i as I), "/run");
}

/** `unshare` for the namespaces the process asks for of its own (none: nothing). */
function isolation(i: I): string[] {
  const own = i.isolate ?? [];
  if (!own.length) return [];
  return [
    "unshare",
    // PID 1 of a new PID namespace, /proc mounted anew (in a mount namespace of its own), killed with unshare.
    ...(own.includes("pid") ? ["--pid", "--fork", "--kill-child", "--mount-proc"] : []),
    ...(own.includes("ipc") ? ["--ipc"] : []),
    ...(own.includes("mount") || own.includes("pid") ? ["--mount", "--propagation", "private"] : []),
    "--",
  ];
}

/** The child unshare forked (it appears within moments; unshare itself may have exited). */
async function childOf(c: Ctx, parent: number, i: I): Promise<number> {
  for (let t = 0; t < 2000; t += 20) {
    const kids = (await c.x.readFile(`/proc/${parent}/task/${parent}/children`).catch(() => undefined))?.trim();
    if (kids) return Number(kids.split(/\s+/)[0]);
    if ((await proc.startTime(c.x, parent)) === undefined) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${i.command[0]} did not start in its own PID namespace in namespace "${i.namespace}"; the end of its log ${logOf(i)}:\n${await logTail(c, logOf(i))}`);
}

/** Of the processes carrying the owner's marker, the program: in a PID namespace, unshare's child. */
export function programOf(owned: Array<{ pid: number; startTime: number; ppid?: number }>): { pid: number; startTime: number } | undefined {
  return owned.find((p) => owned.some((q) => q.pid === p.ppid)) ?? owned[0];
}

/** Starts the program; it must still be running a second later. */
async function start(c: Ctx, i: I, undo: Array<() => Promise<unknown>>): Promise<Props> {
  // In the node's own filesystem view, its directory is the node's (nsenter --wd), not the host's.
  // Its own host name (below) or else the node's, if the node has one.
  const uts = !!i.filesystem && !i.hostname && (await nodefs.hasUts(c.x, i.namespace));
  const args = i.filesystem ? nodefs.enterNode(i.namespace, { cwd: i.cwd, uts }).slice(1, -1) : [`--net=${netnsPath(i.namespace)}`];
  await makeRunDir(c, i, undo);
  if (i.hostname) {
    await removeUts(c, i); // one a dead predecessor left mounted
    await c.x.writeFile(utsOf(i), "");
    undo.push(() => removeUts(c, i));
    // A UTS namespace kept by a bind mount, its host name set, then entered with the network one.
    await c.x.run("unshare", [`--uts=${utsOf(i)}`, "hostname", i.hostname], { doing: `give ${i.owner} the host name ${i.hostname}` });
    args.push(`--uts=${utsOf(i)}`);
  }
  undo.push(() => c.x.removeFile(logOf(i), "/run")); // a failed start says what its log said, and leaves none
  const env = { ...baseEnv(), ...(i.env ?? {}), [proc.MARKER_ENV]: i.owner };
  const started = await c.x.start("nsenter", [...args, "--", ...isolation(i), ...i.command], { env, cwd: i.filesystem ? undefined : i.cwd, logFile: logOf(i) });
  undo.push(() => proc.stop(c.x, started, 0, i.owner, 1000));
  // In a PID namespace the program is unshare's child (PID 1 inside): its pid, as seen from here.
  const pid = i.isolate?.includes("pid") ? await childOf(c, started, i) : started;
  const startTime = await proc.startTime(c.x, pid);
  // A program that ends within its first second did not start: say why, from its log.
  for (let t = 0; t < 1000; t += 100) {
    await new Promise((r) => setTimeout(r, 100));
    if (startTime === undefined || (await proc.startTime(c.x, pid)) !== startTime) {
      throw new Error(`${i.command[0]} exited at once (within a second) in namespace "${i.namespace}"; the end of its log ${logOf(i)}:\n${await logTail(c, logOf(i))}`);
    }
  }
  return { pid, startTime, logFile: logOf(i) };
}

export const processKind = defineKind({
  inputs,
  // (logFile is an input; its output is the path used, the default when unset.)
  outputs: { pid: z.number(), startTime: z.number() },
  replaceOn: ["namespace", "command", "cwd", "env", "hostname", "logFile", "runDir", "isolate", "filesystem"],
  inPlace: ["stopTimeout", "after"],
  // Unset, the log file is the default path, which the state records as an output.
  same: { logFile: (a, b, olds) => (a ?? logOf(olds as I)) === (b ?? logOf(olds as I)) },
  refine: (i) => [
    ...(i.command[0].includes("/") && !i.command[0].startsWith("/") && !i.cwd
      ? [{ property: "command", reason: `command: "${i.command[0]}" is a relative path: give cwd, or an absolute path` }]
      : []),
    ...(i.filesystem && i.runDir ? [{ property: "runDir", reason: "runDir: a process in the node's own filesystem has the node's own /run (empty, and gone with the node): leave runDir out" }] : []),
  ],
  // No namespace guard: a process outlives a namespace deleted by hand, and must still be ended.
  namespaces: () => [],
  title: (i) => `process ${i.command[0]}`,
  id: (i) => i.owner,

  makes: ["process"],
  provides: (i) => [{ kind: "process", name: nameOfOwner(i.owner) }],
  // Its namespace and what lives there (its links, addresses, routes), the files its command line
  // names, and the processes it comes after.
  needs: (i): Need[] => [
    { kind: "namespace", ns: i.namespace },
    { kind: "inside", ns: i.namespace },
    ...pathsIn([...i.command, ...Object.values(i.env ?? {}), ...(i.cwd ? [i.cwd] : [])]).map((path) => ({ kind: "file" as const, path })),
    ...(i.after ?? []).map((name) => ({ kind: "process" as const, name })),
  ],
  // A running program's environment (its NETNS_LAB_OWNER marker) cannot change: a new owner restarts it.
  remark: "replace",
  async create(c, i, undo) {
    if (!(await netns.exists(c.x, i.namespace))) throw new Error(noNamespace(`process ${i.command[0]}`, i.namespace));
    for (const name of i.after ?? []) {
      const owner = `${i.owner.split("/").slice(0, 2).join("/")}/${name}`;
      if ((await proc.owned(c.x, owner)).length === 0) {
        throw new Error(`cannot start ${i.command[0]} after process "${name}": it is not running; declare a Process named "${name}" in this stack (or leave it out of after)`);
      }
    }
    // One of ours already running (an interrupted run started it): the template adopts it.
    if ((await proc.owned(c.x, i.owner)).length) throw new KernelError("process running", "exists", [], "");
    return start(c, i, undo);
  },

  async found(c, i) {
    const running = await proc.owned(c.x, i.owner);
    return running.length || (await c.x.stat(utsOf(i))) || (await c.x.stat(runDirRecordOf(i))) ? { marker: c.mark, what: `process ${i.command[0]}` } : null;
  },

  async adopt(c, i, undo) {
    const first = programOf(await proc.owned(c.x, i.owner));
    if (first) return { pid: first.pid, startTime: first.startTime, logFile: logOf(i) };
    await removeUts(c, i);
    await removeRunDir(c, i); // what the dead one left
    return start(c, i, undo);
  },

  async read(c, props) {
    return props.pid && props.startTime && (await proc.alive(c.x, props.pid, props.startTime, props.owner)) ? {} : undefined;
  },

  update: async (_c, _olds, news) => ({ logFile: logOf(news) }),

  async delete(c, props) {
    await proc.stop(c.x, props.pid ?? 0, props.startTime ?? 0, props.owner, (props.stopTimeout ?? 5) * 1000);
    await removeUts(c, props);
    await removeRunDir(c, props);
    await c.x.removeFile(logOf(props), "/run");
  },
});

