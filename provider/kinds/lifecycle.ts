/**
 * What every kind's provider methods do around their kernel operations (kind.ts): where they run,
 * the privilege check before the first change, the rollback of a create that failed midway, and
 * the namespace guard (a create in a missing namespace fails clearly; a read or delete whose
 * namespace is gone finds the object gone with it).
 */
import { Executor, local } from "../kernel/exec";
import * as netns from "../kernel/netns";
import { sshExecutor } from "../kernel/ssh";
import { Machine } from "../machine";
import { Props } from "./provider";

/** The steps that undo a create's work so far, run last first when it fails. */
export type Undo = Array<() => Promise<unknown>>;

const privilege = new WeakMap<Executor, Promise<string | null>>();
/** Before the first change: can this executor change the kernel at all? (asked once per executor) */
export async function requirePrivileges(x: Executor): Promise<void> {
  let p = privilege.get(x);
  if (!p) privilege.set(x, (p = x.privilegeProblem()));
  const problem = await p;
  if (problem) throw new Error(problem);
}

/** Where a resource's commands run: this machine, or its `machine` over SSH (one connection each). */
export function executorFor(props: Props): Executor {
  return props.machine ? sshExecutor(props.machine as Machine) : local;
}

/** Runs the undo steps (last first) after a failed create, and rethrows the original error. */
export async function rollback(err: unknown, undo: Undo): Promise<never> {
  const problems: string[] = [];
  for (const step of [...undo].reverse()) {
    try {
      await step();
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (!(err instanceof Error)) throw err;
  if (problems.length) err.message += `\n(rolling back what was made also failed: ${problems.join("; ")})`;
  else if (undo.length) err.message += " (nothing was left behind: the partial create was rolled back)";
  throw err; // the same error, so its type (NotOursError, KernelError …) survives
}

export async function missingNamespace(x: Executor, namespaces: string[]): Promise<string | undefined> {
  for (const ns of namespaces) if (!(await netns.exists(x, ns))) return ns;
  return undefined;
}

/** The error of a create whose namespace is not there, saying what to declare. */
export const noNamespace = (what: string, ns: string): string =>
  `cannot create ${what}: network namespace "${ns}" does not exist; declare a NetNamespace named "${ns}" in the program (or make it before up)`;

/**
 * Runs `f`; if it fails and one of `namespaces` is gone by then, the object went with its namespace:
 * `ifGone` instead of the error (for read and delete, whose business is an object that may be gone).
 */
export async function goneWithNamespace<T>(x: Executor, namespaces: string[], f: () => Promise<T>, ifGone: T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (namespaces.length && (await missingNamespace(x, namespaces))) return ifGone;
    throw e;
  }
}

