/**
 * What VxlanLink and MacvlanLink share: a device the kernel makes inside a node's namespace in one
 * call, and which takes no alias as it is made. So it is made under a pending record (pending.ts),
 * then marked together with its first settings; found unmarked after a killed run, it is ours when
 * our record names it and it is of its kind; adopted by marking it. MTU, up and the bridge it is a
 * port of update in place.
 */
import * as link from "../kernel/link";
import type { Ctx, Props } from "./kind";
import type { Undo } from "./lifecycle";
import * as pending from "./pending";

/** The inputs a born device has. */
export interface Born {
  namespace: string;
  name: string;
  mtu?: number;
  up?: boolean;
  master?: string;
}

/** Makes it (`add`) under `record`, marks it with its first settings, and describes it. */
export async function make(c: Ctx, i: Born, undo: Undo, record: string, add: () => Promise<unknown>, describe: () => Promise<Props | undefined>, what: string): Promise<Props> {
  await pending.making(c, record, undo, add);
  undo.push(() => link.del(c.x, i.namespace, i.name));
  await link.set(c.x, i.namespace, i.name, { alias: c.mark, master: i.master, up: i.up ? true : undefined });
  await pending.end(c, record);
  const outs = await describe();
  if (!outs) throw new Error(`${what} ${i.name} in ${i.namespace} vanished while it was being set up: run refresh`);
  return outs;
}

/** Who owns the interface of its name: its marker, or ours when it is an unmarked one of its kind (`isIt`) our record names. */
export async function found(c: Ctx, i: Born, record: string, isIt: (l: link.LinkInfo) => boolean): Promise<{ marker: string | undefined; what: string; where: string } | null> {
  const l = await link.show(c.x, i.namespace, i.name);
  if (!l) return null;
  const orphan = !l.ifalias && isIt(l) && (await pending.ours(c, record));
  return { marker: orphan ? c.mark : l.ifalias, what: `interface "${i.name}"`, where: `in namespace "${i.namespace}" on ${c.x.where}` };
}

/** Takes one of ours a killed run left: marked, set as wanted, its record gone. */
export async function adopt(c: Ctx, i: Born, record: string, describe: () => Promise<Props | undefined>): Promise<Props> {
  await link.set(c.x, i.namespace, i.name, { alias: c.mark, mtu: i.mtu, up: i.up, master: i.master });
  await pending.end(c, record);
  return (await describe()) ?? {};
}

/** Sets what differs (MTU, up, its bridge). */
export async function update(c: Ctx, olds: Props, news: Born, describe: () => Promise<Props | undefined>): Promise<Props> {
  await link.set(c.x, news.namespace, news.name, {
    mtu: news.mtu !== undefined && olds.mtu !== news.mtu ? news.mtu : undefined,
    up: olds.up !== news.up ? news.up : undefined,
    master: olds.master !== news.master ? (news.master ?? null) : undefined,
  });
  return (await describe()) ?? {};
}
