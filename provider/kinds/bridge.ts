/** Bridge: a Linux bridge, a LAN segment inside a namespace; its ports are VethLink ends (master). */
import { z } from "zod";
import * as link from "../kernel/link";
import { ifname, mtu, nsname } from "./fields";
import { Ctx, defineKind, InputsOf, Props } from "./kind";
import * as pending from "./pending";

const inputs = {
  /** The network namespace it lives in (a NetNamespace's name). */
  namespace: nsname,
  /** The bridge's interface name (1-15 bytes). */
  name: ifname,
  /** Spanning tree (default: the kernel's, off). */
  stp: z.boolean().optional(),
  /** Unset: the kernel manages it (the smallest MTU of the ports). */
  mtu: mtu.optional(),
  /** Administratively up (default true). */
  up: z.boolean().default(true),
};
type I = InputsOf<typeof inputs>;

async function describe(c: Ctx, i: I): Promise<Props | undefined> {
  const l = await link.show(c.x, i.namespace, i.name);
  if (!l || l.ifalias !== c.mark || l.linkinfo?.info_kind !== "bridge") return undefined;
  return { mtu: l.mtu, stp: l.linkinfo.info_data?.stp_state !== undefined ? l.linkinfo.info_data.stp_state !== 0 : undefined, ifindex: l.ifindex, up: l.flags.includes("UP") };
}

async function converge(c: Ctx, have: Props | undefined, i: I): Promise<Props> {
  if (i.stp !== undefined && have?.stp !== i.stp) await link.setStp(c.x, i.namespace, i.name, i.stp);
  await link.set(c.x, i.namespace, i.name, {
    mtu: i.mtu !== undefined && have?.mtu !== i.mtu ? i.mtu : undefined,
    up: have?.up === i.up ? undefined : i.up,
    alias: have?.owner === i.owner ? undefined : c.mark,
  });
  const outs = await describe(c, i);
  if (!outs) throw new Error(`bridge ${i.name} in ${i.namespace} vanished while it was being set up: run refresh`);
  return outs;
}

export const bridge = defineKind({
  inputs,
  outputs: { ifindex: z.number() },
  replaceOn: ["namespace", "name"],
  inPlace: ["stp", "mtu", "up"],
  namespaces: (i) => [i.namespace],
  makes: ["device", "in"],
  provides: (i) => [{ kind: "device", ns: i.namespace, dev: i.name }, { kind: "in", ns: i.namespace }],
  needs: (i) => [{ kind: "namespace", ns: i.namespace }],
  remark: "update",
  title: (i) => `bridge ${i.name}`,
  id: (i) => `${i.namespace}/${i.name}`,

  async create(c, i, undo) {
    await pending.making(c, `bridge ${i.namespace}/${i.name}`, undo, () => link.addBridge(c.x, i.namespace, i.name, { stp: i.stp, mtu: i.mtu }));
    undo.push(() => link.del(c.x, i.namespace, i.name));
    const outs = await converge(c, { stp: i.stp, mtu: i.mtu, up: false }, i);
    await pending.end(c, `bridge ${i.namespace}/${i.name}`);
    return outs;
  },

  async found(c, i) {
    const l = await link.show(c.x, i.namespace, i.name);
    if (!l) return null;
    // Unmarked, a bridge, named by our pending record: made by a run killed before it could mark it.
    const orphan = !l.ifalias && l.linkinfo?.info_kind === "bridge" && (await pending.ours(c, `bridge ${i.namespace}/${i.name}`));
    return { marker: orphan ? c.mark : l.ifalias, what: `interface "${i.name}"`, where: `in namespace "${i.namespace}"` };
  },

  adopt: async (c, i) => {
    const outs = await converge(c, await describe(c, i), i);
    await pending.end(c, `bridge ${i.namespace}/${i.name}`);
    return outs;
  },
  read: (c, props) => describe(c, props),
  update: (c, olds, news) => converge(c, olds, news),

  async delete(c, props) {
    await link.del(c.x, props.namespace, props.name);
  },
});
