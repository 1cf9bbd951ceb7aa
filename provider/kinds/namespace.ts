/** NetNamespace: a named network namespace (`ip netns add`), marked as ours through lo's alias. */
import { z } from "zod";
import * as link from "../kernel/link";
import * as netns from "../kernel/netns";
import { nsname } from "./fields";
import { Ctx, defineKind } from "./kind";
import * as pending from "./pending";

/** The alias on the namespace's lo, or null when the namespace is gone. */
async function loAlias(c: Ctx, name: string): Promise<string | undefined | null> {
  const lo = await link.show(c.x, name, "lo");
  return lo ? lo.ifalias : (await netns.exists(c.x, name)) ? undefined : null;
}

export const namespace = defineKind({
  inputs: {
    /** The namespace's name under /run/netns; defaults to the resource name. */
    name: nsname,
  },
  outputs: {
    /** Inode of /run/netns/<name>: it changes when the namespace is deleted and re-added by hand. */
    inode: z.number().optional(),
  },
  nameInput: "name",
  replaceOn: ["name"],
  inPlace: [],
  namespaces: () => [], // it is the namespace
  makes: ["namespace"],
  provides: (i) => [{ kind: "namespace", ns: i.name }],
  needs: () => [],
  remark: "update",
  title: (i) => `network namespace "${i.name}"`,
  id: (i) => i.name,

  async create(c, i, undo) {
    // A record for the moment between `ip netns add` and the marking (kinds/pending.ts).
    await pending.making(c, `netns ${i.name}`, undo, () => netns.add(c.x, i.name));
    undo.push(() => netns.del(c.x, i.name));
    await link.set(c.x, i.name, "lo", { up: true, alias: c.mark });
    await pending.end(c, `netns ${i.name}`);
    return { inode: await netns.inode(c.x, i.name) };
  },

  async found(c, i, why) {
    const alias = await loAlias(c, i.name);
    if (alias === null) {
      // Under its name, a file that is no namespace (an `ip netns add` or `del` interrupted: netns.state):
      // a create makes the namespace over it (netns.add); a delete removes it, holding nothing.
      const stale = why === "delete" && (await netns.state(c.x, i.name)) === "stale";
      return stale ? { marker: c.mark, what: `the file ${netns.netnsPath(i.name)}` } : null;
    }
    const orphan = !alias && (await pending.ours(c, `netns ${i.name}`));
    return { marker: orphan ? c.mark : alias, what: `network namespace "${i.name}"`, hint: `Remove it yourself (ip netns del ${i.name}) or choose another name.` };
  },

  async adopt(c, i) {
    await link.set(c.x, i.name, "lo", { up: true, alias: c.mark }); // (an orphan's marking)
    await pending.end(c, `netns ${i.name}`);
    return { inode: await netns.inode(c.x, i.name) };
  },

  async read(c, props) {
    const alias = await loAlias(c, props.name);
    if (alias === null || alias !== c.mark) return undefined; // gone, or re-made by someone else
    return { inode: await netns.inode(c.x, props.name) };
  },

  async update(c, _olds, news) {
    await link.set(c.x, news.name, "lo", { alias: c.mark });
    return { inode: await netns.inode(c.x, news.name) };
  },

  async delete(c, props) {
    // What still runs in it would keep it alive after `ip netns del`, and with it every device and
    // cable in it, which the engine no longer deletes one by one (deletedWith, registry.ts): a
    // deleted namespace ends what runs in it, as a container's end does. Our Processes are gone
    // already (they depend on it); this is what someone started there by hand.
    for (const pid of await netns.pids(c.x, props.name)) {
      await c.x.kill(pid, "SIGKILL").catch(() => undefined); // gone meanwhile
    }
    await netns.del(c.x, props.name);
  },
});
