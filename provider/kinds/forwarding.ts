/**
 * IpForwarding: net.ipv4.ip_forward and net.ipv6.conf.all.forwarding inside a namespace. A flag left
 * out is not managed. Delete restores the values found at create.
 */
import { z } from "zod";
import { namespaceExists, readSysctls, writeSysctl } from "../kernel";
import { checkFields, diffFields, Inputs, Kind, nsname, owner } from "./common";

const KEYS = { ipv4: "net/ipv4/ip_forward", ipv6: "net/ipv6/conf/all/forwarding" } as const;
type Flag = keyof typeof KEYS;
const managed = (i: Inputs): Flag[] => (["ipv4", "ipv6"] as Flag[]).filter((f) => typeof i[f] === "boolean");

async function readFlags(ns: string, flags: Flag[]): Promise<Partial<Record<Flag, boolean>>> {
  if (flags.length === 0) return {};
  try {
    const values = await readSysctls(ns, flags.map((f) => KEYS[f]));
    return Object.fromEntries(flags.map((f, i) => [f, values[i] === "1"]));
  } catch (e) {
    if (flags.includes("ipv6") && /No such file/.test((e as Error).message)) {
      throw new Error(`IPv6 is disabled in this kernel or namespace (no /proc/sys/${KEYS.ipv6}): leave ipv6 unset`);
    }
    throw e;
  }
}

async function writeFlags(ns: string, want: Partial<Record<Flag, boolean>>, have: Partial<Record<Flag, boolean>>) {
  for (const f of Object.keys(want) as Flag[]) {
    if (want[f] !== undefined && want[f] !== have[f]) await writeSysctl(ns, KEYS[f], want[f] ? "1" : "0");
  }
}

const pick = (i: Inputs) => Object.fromEntries(managed(i).map((f) => [f, i[f]])) as Partial<Record<Flag, boolean>>;

export const forwarding: Kind = {
  async check(_olds, news) {
    return checkFields(news, { namespace: nsname, ipv4: z.boolean(), ipv6: z.boolean(), owner }, ["namespace", "owner"]);
  },

  async diff(_id, olds, news) {
    const update = managed(news).filter((f) => olds[f] !== news[f]);
    const base = diffFields(olds, news, { replace: ["namespace"], update: ["owner"] });
    return { ...base, changes: base.changes || update.length > 0 };
  },

  async create(inputs) {
    const ns = inputs.namespace;
    if (!namespaceExists(ns)) throw new Error(`cannot set forwarding: network namespace "${ns}" does not exist`);
    const previous = await readFlags(ns, managed(inputs));
    await writeFlags(ns, pick(inputs), previous);
    return { id: ns, outs: { ...inputs, previous } };
  },

  async read(id, props) {
    if (!namespaceExists(props.namespace)) return {};
    return { id, props: { ...props, ...(await readFlags(props.namespace, managed(props))) } };
  },

  async update(_id, olds, news) {
    const have = await readFlags(news.namespace, managed(news));
    await writeFlags(news.namespace, pick(news), have);
    // Remember the original value of a flag that becomes managed only now.
    const previous = { ...have, ...(olds.previous ?? {}) };
    return { outs: { ...news, previous } };
  },

  async delete(_id, props) {
    if (!namespaceExists(props.namespace)) return;
    const have = await readFlags(props.namespace, managed(props));
    await writeFlags(props.namespace, props.previous ?? {}, have);
  },
};
