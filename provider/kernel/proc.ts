/**
 * Processes that netns-lab starts in a namespace: the marker NETNS_LAB_OWNER=<owner> in their
 * environment, identity by pid and start time (/proc/<pid>/stat), their namespace by
 * /proc/<pid>/ns/net, and stopping a whole process group.
 */
import { Executor } from "./exec";

/** The environment variable that marks a process as started for an owner. */
export const MARKER_ENV = "NETNS_LAB_OWNER";

/** The start time of a process (clock ticks since boot, field 22 of /proc/<pid>/stat), or undefined if gone. */
export async function startTime(x: Executor, pid: number): Promise<number | undefined> {
  const stat = await x.readFile(`/proc/${pid}/stat`).catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z") return undefined; // a zombie has ended
  return Number(fields[19]);
}

/** The owner a process was started for, from its environment (undefined: not one of ours). */
export async function ownerOf(x: Executor, pid: number): Promise<string | undefined> {
  const env = await x.readFile(`/proc/${pid}/environ`).catch(() => undefined);
  return env?.split("\0").find((e) => e.startsWith(`${MARKER_ENV}=`))?.slice(MARKER_ENV.length + 1);
}

/** Every live process: pid numbers from /proc. */
export async function all(x: Executor): Promise<number[]> {
  return (await x.listDir("/proc")).filter((d) => /^\d+$/.test(d)).map(Number);
}

/** The parent of a process (field 4 of /proc/<pid>/stat), or undefined if gone. */
export async function parentOf(x: Executor, pid: number): Promise<number | undefined> {
  const stat = await x.readFile(`/proc/${pid}/stat`).catch(() => undefined);
  return stat ? Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) : undefined;
}

/** A live process that carries a marker: its pid, owner, start time and parent. */
export interface Marked {
  pid: number;
  owner: string;
  startTime: number;
  ppid: number;
}

/**
 * Every live process that carries a marker, in one command whatever the number of processes on the
 * machine (one grep over every /proc/<pid>/environ; the stat line read by the shell's own `read`):
 * over SSH or in the sandbox one round trip, not one `cat` per process. Zombies are left out.
 */
export async function marked(x: Executor): Promise<Marked[]> {
  const script =
    `grep -a -z -o -H -- '^${MARKER_ENV}=.*' /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | ` +
    `while IFS= read -r m; do p=\${m#/proc/}; p=\${p%%/*}; s=; read -r s 2>/dev/null </proc/"$p"/stat || continue; printf '%s\\t%s\\n' "$m" "$s"; done`;
  return parseMarked(await x.run("sh", ["-c", script], { doing: "list the processes netns-lab started" }));
}

/** The lines `marked` reads: `/proc/<pid>/environ:NETNS_LAB_OWNER=<owner>\t<the stat line>` (pure). */
export function parseMarked(text: string): Marked[] {
  const out: Marked[] = [];
  for (const line of text.split("\n")) {
    const m = new RegExp(`^/proc/(\\d+)/environ:${MARKER_ENV}=([^\t]*)\t(.*)$`).exec(line);
    if (!m) continue;
    const fields = m[3].slice(m[3].lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") continue;
    out.push({ pid: Number(m[1]), owner: m[2], startTime: Number(fields[19]), ppid: Number(fields[1]) });
  }
  return out;
}

/** The live processes started for this owner (oldest first), with their parents. */
export async function owned(x: Executor, owner: string): Promise<Array<{ pid: number; startTime: number; ppid?: number }>> {
  return (await marked(x))
    .filter((p) => p.owner === owner)
    .map(({ pid, startTime, ppid }) => ({ pid, startTime, ppid }))
    .sort((a, b) => a.startTime - b.startTime);
}

/** The namespaces a process is in, as the kernel names them (`net:[4026531840]`), by type. */
export const NAMESPACE_TYPES = ["net", "uts", "pid", "ipc", "mnt", "user"] as const;
export async function namespacesOf(x: Executor, pid: number | "self"): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of NAMESPACE_TYPES) {
    const ino = (await x.stat(`/proc/${pid}/ns/${t}`))?.ino;
    if (ino !== undefined) out[t] = `${t}:[${ino}]`;
  }
  return out;
}

/** Whether this exact process (pid and start time) is alive and carries the owner's marker. */
export async function alive(x: Executor, pid: number, start: number, owner: string): Promise<boolean> {
  return (await startTime(x, pid)) === start && (await ownerOf(x, pid)) === owner;
}

/** The inode of a process's network namespace (compare with the inode of /run/netns/<name>). */
export async function netnsInode(x: Executor, pid: number): Promise<number | undefined> {
  return (await x.stat(`/proc/${pid}/ns/net`))?.ino;
}

/** The command line of a process. */
export async function cmdline(x: Executor, pid: number): Promise<string[]> {
  return ((await x.readFile(`/proc/${pid}/cmdline`).catch(() => "")) ?? "").split("\0").filter(Boolean);
}

/**
 * Stops the process group led by `pid`: SIGTERM, then SIGKILL after `timeoutMs`; and any other
 * process of the owner's that survived (a daemon's child in another group). True if one was there.
 */
export async function stop(x: Executor, pid: number, start: number, owner: string, timeoutMs: number): Promise<boolean> {
  const targets = (await alive(x, pid, start, owner)) ? [pid] : [];
  for (const p of await owned(x, owner)) if (!targets.includes(p.pid)) targets.push(p.pid);
  if (targets.length === 0) return false;
  for (const p of targets) await x.kill(-p, "SIGTERM").catch(() => x.kill(p, "SIGTERM").catch(() => undefined));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && (await owned(x, owner)).length) await new Promise((r) => setTimeout(r, 50));
  for (const p of await owned(x, owner)) await x.kill(-p.pid, "SIGKILL").catch(() => x.kill(p.pid, "SIGKILL").catch(() => undefined));
  for (let i = 0; i < 40 && (await owned(x, owner)).length; i++) await new Promise((r) => setTimeout(r, 25));
  return true;
}
