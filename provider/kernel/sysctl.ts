/** Per-namespace kernel settings under /proc/sys, read and written from inside the namespace. */
import { Executor } from "./exec";
import { nsExec } from "./ip";

/** Reads /proc/sys/<key> for each key (like `net/ipv4/ip_forward`) in one process. */
export async function read(x: Executor, ns: string, keys: readonly string[]): Promise<string[]> {
  const out = await nsExec(x, ns, "cat", keys.map((k) => `/proc/sys/${k}`), { doing: `read ${keys.join(", ")} in ${ns}` });
  return out.split("\n").map((s) => s.trim());
}

export async function write(x: Executor, ns: string, key: string, value: string): Promise<void> {
  await nsExec(x, ns, "tee", [`/proc/sys/${key}`], { input: value + "\n", doing: `set ${key}=${value} in ${ns}` });
}
