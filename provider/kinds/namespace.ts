/** NetNamespace: a named network namespace (`ip netns add`), marked as ours through lo's alias. */
import { ip, ipJson, KernelError, LinkInfo, namespaceExists, namespaceInode } from "../kernel";
import { checkFields, diffFields, Inputs, Kind, marker, nsname, owner, rollback } from "./common";

/** Who owns a namespace: the alias on its loopback device, or undefined if unmarked or gone. */
export async function namespaceOwner(name: string): Promise<string | undefined> {
  if (!namespaceExists(name)) return undefined;
  try {
    const [lo] = await ipJson<LinkInfo[]>(name, ["link", "show", "dev", "lo"]);
    return lo?.ifalias;
  } catch (e) {
    if (e instanceof KernelError && e.kind === "no-namespace") return undefined;
    throw e;
  }
}

function outs(inputs: Inputs): Inputs {
  return { name: inputs.name, owner: inputs.owner, inode: namespaceInode(inputs.name) };
}

export const namespace: Kind = {
  async check(_olds, news) {
    return checkFields(news, { name: nsname, owner }, ["name", "owner"]);
  },

  async diff(_id, olds, news) {
    return diffFields(olds, news, { replace: ["name"], update: ["owner"] });
  },

  async create(inputs) {
    const { name } = inputs;
    const mark = marker(inputs.owner);
    if (namespaceExists(name)) {
      const found = await namespaceOwner(name);
      if (found !== mark) {
        throw new Error(
          `network namespace "${name}" already exists and is not owned by this stack ` +
            `(its marker is ${found ? `"${found}"` : "missing"}): netns-lab will not adopt or delete it. ` +
            `Remove it yourself (ip netns del ${name}) or choose another name.`,
        );
      }
      // Ours, left behind by an interrupted run: adopt it.
      return { id: name, outs: outs(inputs) };
    }
    await ip(undefined, ["netns", "add", name], { doing: `create network namespace ${name}` });
    try {
      await ip(name, ["link", "set", "dev", "lo", "up", "alias", mark], { doing: `bring up lo in ${name}` });
    } catch (e) {
      return rollback(e, [() => ip(undefined, ["netns", "del", name])]);
    }
    return { id: name, outs: outs(inputs) };
  },

  async read(id, props) {
    const name = props.name ?? id;
    const found = await namespaceOwner(name);
    if (found === undefined || (props.owner && found !== marker(props.owner))) return {}; // gone, or not ours
    return { id, props: { ...props, name, inode: namespaceInode(name) } };
  },

  async update(_id, _olds, news) {
    await ip(news.name, ["link", "set", "dev", "lo", "alias", marker(news.owner)], {
      doing: `mark namespace ${news.name}`,
    });
    return { outs: outs(news) };
  },

  async delete(id, props) {
    const name = props.name ?? id;
    const found = await namespaceOwner(name);
    if (found === undefined) return; // already gone
    if (props.owner && found !== marker(props.owner)) return; // someone else's now: leave it alone
    try {
      await ip(undefined, ["netns", "del", name], { doing: `delete network namespace ${name}` });
    } catch (e) {
      if (!namespaceExists(name)) return;
      throw e;
    }
  },
};
