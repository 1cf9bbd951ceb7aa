/** At most `limit` of the tasks running at once, results in order: for the CLI's fan-outs (pings, reads). */
import * as os from "os";

/** A fan-out sized to the machine: enough to hide latency (a ping that times out takes 1 s), not a million processes. */
export const POOL = Math.max(8, (os.availableParallelism?.() ?? os.cpus().length) * 8);

export async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, limit = POOL): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const n = next++;
      out[n] = await tasks[n]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}
