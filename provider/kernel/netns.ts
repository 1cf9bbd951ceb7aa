/** Network namespaces: named bind mounts under /run/netns (`ip netns add/del`). */
import { Executor } from "./exec";
import { ip, netnsPath } from "./ip";

export { netnsPath };

/** Whether a named namespace exists. */
export async function exists(x: Executor, ns: string): Promise<boolean> {
  return (await x.stat(netnsPath(ns)))?.isFile === true;
}

/** The inode of the namespace's bind mount: it changes when someone deletes and re-adds it by hand. */
export async function inode(x: Executor, ns: string): Promise<number | undefined> {
  return (await x.stat(netnsPath(ns)))?.ino;
}

export async function add(x: Executor, ns: string): Promise<void> {
  await ip(x, undefined, ["netns", "add", ns], { doing: `create network namespace ${ns}` });
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
