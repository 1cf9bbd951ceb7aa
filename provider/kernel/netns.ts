/** Network namespaces: named bind mounts under /run/netns (`ip netns add/del`). */
import { Executor, KernelError } from "./exec";
import { ip, netnsPath } from "./ip";

export { netnsPath };

/** /run/netns's device, per executor (the file of a namespace is on nsfs's instead). */
const runDevs = new WeakMap<Executor, Promise<number | undefined>>();
const runDev = (x: Executor): Promise<number | undefined> => {
  if (!runDevs.has(x)) runDevs.set(x, x.stat("/run/netns").then((d) => d?.dev));
  return runDevs.get(x)!;
};

/**
 * What /run/netns/<ns> is: a namespace (nsfs bind-mounted on the file), "stale" (a plain file on
 * /run/netns's own device: what an `ip netns add` or `del` interrupted between its two steps leaves
 * — a Ctrl-C reaches ip too — and `ip -n` then fails with "Invalid argument"), or nothing.
 */
export async function state(x: Executor, ns: string): Promise<"namespace" | "stale" | undefined> {
  const f = await x.stat(netnsPath(ns));
  if (f?.isFile !== true) return undefined;
  const dev = await runDev(x);
  if (dev === undefined) {
    runDevs.delete(x); // /run/netns not there yet: ask again next time
    return "namespace";
  }
  return f.dev === dev ? "stale" : "namespace";
}

/**
 * Whether a named namespace exists (a stale file under /run/netns is none). "" is the root
 * namespace (`ip` without `-n`: a VethLink's end there), which always is.
 */
export async function exists(x: Executor, ns: string): Promise<boolean> {
  if (ns === "") return true;
  return (await state(x, ns)) === "namespace";
}

/** The inode of the namespace's bind mount: it changes when someone deletes and re-adds it by hand. */
export async function inode(x: Executor, ns: string): Promise<number | undefined> {
  return (await x.stat(netnsPath(ns)))?.ino;
}

/** Adds a namespace; where a stale file of that name (state) is in the way, it is removed (as `ip netns del` removes one) and the add made again. */
export async function add(x: Executor, ns: string): Promise<void> {
  const doing = `create network namespace ${ns}`;
  try {
    await ip(x, undefined, ["netns", "add", ns], { doing });
  } catch (e) {
    if (!(e instanceof KernelError && e.kind === "exists") || (await state(x, ns)) !== "stale") throw e;
    await ip(x, undefined, ["netns", "del", ns], { doing: `remove ${netnsPath(ns)}, a file an interrupted ip netns add or del left` });
    await ip(x, undefined, ["netns", "add", ns], { doing });
  }
}

/** Deletes a namespace; true if it was there. */
export async function del(x: Executor, ns: string): Promise<boolean> {
  try {
    await ip(x, undefined, ["netns", "del", ns], { doing: `delete network namespace ${ns}` });
    return true;
  } catch (e) {
    if (!(await exists(x, ns))) return false;
    throw e;
  }
}

/** The processes in a namespace (`ip netns pids`); empty when it is gone. */
export async function pids(x: Executor, ns: string): Promise<number[]> {
  try {
    const out = await ip(x, undefined, ["netns", "pids", ns], { doing: `list the processes in network namespace ${ns}` });
    return out.split("\n").map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch (e) {
    if (!(await exists(x, ns))) return [];
    throw e;
  }
}

/** The names of all namespaces. */
export async function list(x: Executor): Promise<string[]> {
  const out = await ip(x, undefined, ["netns", "list"], { doing: "list network namespaces" });
  return out.split("\n").map((l) => l.split(" ")[0]).filter(Boolean);
}
