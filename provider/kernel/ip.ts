/** `ip` and `nsenter` through an executor: the command shapes every kernel object module uses. */
import { Executor, RunOptions } from "./exec";

export const netnsPath = (ns: string): string => `/run/netns/${ns}`;

/** `ip [-n ns] args…` */
export function ip(x: Executor, ns: string | undefined, args: readonly string[], opts?: RunOptions): Promise<string> {
  return x.run("ip", ns ? ["-n", ns, ...args] : args, opts);
}

/** `ip -j [-n ns] args…`, parsed. */
export async function ipJson<T = unknown>(x: Executor, ns: string | undefined, args: readonly string[], opts?: RunOptions): Promise<T> {
  const out = await ip(x, ns, ["-j", ...args], opts);
  return (out.trim() ? JSON.parse(out) : []) as T;
}

/** Several `ip` commands in one process: `ip [-n ns] -batch -`. Stops at the first failing line. */
export async function ipBatch(x: Executor, ns: string | undefined, lines: readonly string[], opts?: RunOptions): Promise<void> {
  if (lines.length > 0) await ip(x, ns, ["-batch", "-"], { ...opts, input: lines.join("\n") + "\n" });
}

/** Runs a program inside a namespace without remounting /sys (cheaper than `ip netns exec`). */
export function nsExec(x: Executor, ns: string, file: string, args: readonly string[], opts?: RunOptions): Promise<string> {
  if (ns === "") return x.run(file, args, opts); // the root namespace (a VethLink's end there)
  return x.run("nsenter", [`--net=${netnsPath(ns)}`, "--", file, ...args], opts);
}
