/**
 * The records of objects being made that the kernel cannot mark as it makes them (ownership.ts:
 * pendingRecordOf): written before, removed once the object carries its marker. What a killed run
 * left unmarked is ours exactly when our record names it.
 */
import { parsePendingRecord, pendingRecord, pendingRecordOf } from "../ownership";
import type { Ctx, Undo } from "./kind";
import { isUncertain } from "../kernel/channel";

/**
 * Makes an object under a record. `what`: the object and where, e.g. `veth ns/a ns/b`. A make that
 * fails leaves no record of its own (one a killed run left stays: it names that run's object), unless
 * it may have taken effect (the command channel died while it ran): then the record stays, and the
 * next run adopts the object if it was made.
 */
export async function making<T>(c: Ctx, what: string, undo: Undo, make: () => Promise<T>): Promise<T> {
  const earlier = await ours(c, what);
  if (!earlier) await c.x.writeFile(pendingRecordOf(what), pendingRecord(c.owner, what), 0o600);
  let keep = false;
  undo.push(() => (keep ? Promise.resolve() : end(c, what)));
  try {
    return await make();
  } catch (e) {
    keep = isUncertain(e);
    if (!earlier && !keep) await end(c, what).catch(() => undefined);
    throw e;
  }
}

/** The object is marked (or gone): its record goes. */
export async function end(c: Ctx, what: string): Promise<void> {
  await c.x.removeFile(pendingRecordOf(what), "/run/netns-lab");
}

/** Whether our record names this object: an unmarked one is then ours, left by a killed run. */
export async function ours(c: Ctx, what: string): Promise<boolean> {
  const r = parsePendingRecord(await c.x.readFile(pendingRecordOf(what)).catch(() => undefined));
  return r?.owner === c.owner && r.what === what;
}
