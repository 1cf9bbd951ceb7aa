/**
 * IpForwarding: net.ipv4.ip_forward and net.ipv6.conf.all.forwarding inside a namespace. A flag left
 * unset is not managed. Delete restores the values found at create.
 */
import { z } from "zod";
import { Executor } from "../kernel/exec";
import * as sysctl from "../kernel/sysctl";
import { nsname } from "./fields";
import { defineKind, Props } from "./kind";

const KEYS = { ipv4: "net/ipv4/ip_forward", ipv6: "net/ipv6/conf/all/forwarding" } as const;
type Flag = keyof typeof KEYS;
type Flags = Partial<Record<Flag, boolean>>;
const managed = (i: Props): Flag[] => (["ipv4", "ipv6"] as Flag[]).filter((f) => typeof i[f] === "boolean");
const pick = (i: Props): Flags => Object.fromEntries(managed(i).map((f) => [f, i[f]]));

async function readFlags(x: Executor, ns: string, flags: Flag[]): Promise<Flags> {
  if (flags.length === 0) return {};
  try {
    const values = await sysctl.read(x, ns, flags.map((f) => KEYS[f]));
    return Object.fromEntries(flags.map((f, n) => [f, values[n] === "1"]));
  } catch (e) {
    if (flags.includes("ipv6") && /No such file/.test((e as Error).message)) {
      throw new Error(`IPv6 is disabled in this kernel or namespace (no /proc/sys/${KEYS.ipv6}): leave ipv6 unset`);
    }
    throw e;
  }
}

async function writeFlags(x: Executor, ns: string, want: Flags, have: Flags): Promise<void> {
  for (const f of Object.keys(want) as Flag[]) {
    if (want[f] !== undefined && want[f] !== have[f]) await sysctl.write(x, ns, KEYS[f], want[f] ? "1" : "0");
  }
}

export const forwarding = defineKind({
  inputs: {
    /** The network namespace it lives in (a NetNamespace's name). */
    namespace: nsname,
    /** net.ipv4.ip_forward; unset: not managed. */
    ipv4: z.boolean().optional(),
    /** net.ipv6.conf.all.forwarding; unset: not managed. */
    ipv6: z.boolean().optional(),
  },
  outputs: {
    /** The values found at create, restored by delete. */
    previous: z.object({ ipv4: z.boolean().optional(), ipv6: z.boolean().optional() }),
  },
  replaceOn: ["namespace"],
  inPlace: ["ipv4", "ipv6"],
  namespaces: (i) => [i.namespace],
  makes: ["in"],
  provides: (i) => [{ kind: "in", ns: i.namespace }],
  needs: (i) => [{ kind: "namespace", ns: i.namespace }],
  remark: "unmarked",
  title: (i) => `forwarding in ${i.namespace}`,
  id: (i) => i.namespace,

  async create(c, i) {
    const previous = await readFlags(c.x, i.namespace, managed(i));
    await writeFlags(c.x, i.namespace, pick(i), previous);
    return { previous };
  },

  async read(c, props) {
    return readFlags(c.x, props.namespace, managed(props));
  },

  async update(c, olds, news) {
    const have = await readFlags(c.x, news.namespace, managed(news));
    await writeFlags(c.x, news.namespace, pick(news), have);
    // Remember the original value of a flag that becomes managed only now.
    return { previous: { ...have, ...(olds.previous ?? {}) } };
  },

  async delete(c, props) {
    const have = await readFlags(c.x, props.namespace, managed(props));
    await writeFlags(c.x, props.namespace, props.previous ?? {}, have);
  },
});
