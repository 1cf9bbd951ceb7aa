/**
 * MacvlanLink: a node's interface on a network of the machine — a macvlan device on an interface of
 * the machine's root namespace (its parent: eth0, say), born in the node's namespace in one call made
 * from the root namespace, so nothing of it is ever in the root namespace, and gone with the node's
 * namespace. containerlab's `macvlan` links. Marked as its alias (the call after), MTU, up and the
 * bridge it is a port of update in place; its name, namespace, parent, mode and MAC replace.
 */
import { z } from "zod";
import { KernelError } from "../kernel/exec";
import * as link from "../kernel/link";
import { ifname, mac, mtu, nsname } from "./fields";
import { Ctx, defineKind, InputsOf, Props } from "./kind";
import { inNamespace } from "../needs";
import * as born from "./born";

const inputs = {
  /** The device's name in the node's namespace (1-15 bytes). */
  name: ifname,
  /** The network namespace it lives in (a NetNamespace's name). */
  namespace: nsname,
  /** The machine's interface it sits on, in the root namespace (the sandbox's, for a user who is not root). */
  parent: ifname,
  /** How it shares the parent (the kernel's modes; containerlab's default, bridge: macvlans of one parent reach each other). */
  mode: z.enum(["bridge", "vepa", "private", "passthru", "source"]).default("bridge"),
  /** MTU (at most the parent's); unset: the parent's, not managed. */
  mtu: mtu.optional(),
  /** Its MAC address (default: the kernel's random one). */
  mac: mac.optional(),
  /** Administratively up (default true). */
  up: z.boolean().default(true),
  /** The bridge in the namespace it is a port of. */
  master: ifname.optional(),
};
type I = InputsOf<typeof inputs>;

const pendingOf = (i: I) => `macvlan ${i.namespace}/${i.name}`;

async function describe(c: Ctx, i: I): Promise<Props | undefined> {
  const l = await link.show(c.x, i.namespace, i.name);
  if (!l || l.ifalias !== c.mark || l.linkinfo?.info_kind !== "macvlan") return undefined;
  return {
    ifindex: l.ifindex, mtu: l.mtu, up: l.flags.includes("UP"), mode: l.linkinfo.info_data?.mode, ...(i.mac ? { mac: l.address } : {}),
    ...(i.master !== undefined || l.master ? { master: l.master } : {}),
  };
}

export const macvlan = defineKind({
  inputs,
  outputs: { ifindex: z.number() },
  replaceOn: ["name", "namespace", "parent", "mode", "mac"],
  inPlace: ["mtu", "up", "master"],
  same: { mac: (a, b) => b === undefined || String(a).toLowerCase() === String(b).toLowerCase() },
  namespaces: (i) => [i.namespace],
  makes: ["device", "in"],
  provides: (i) => [{ kind: "device", ns: i.namespace, dev: i.name }, { kind: "in", ns: i.namespace }],
  needs: (i) => inNamespace(i.namespace, i.master),
  remark: async (c, _olds, news) => link.set(c.x, news.namespace, news.name, { alias: c.mark }),
  title: (i) => `macvlan ${i.name} on ${i.parent}`,
  id: (i) => `${i.namespace}/${i.name}`,

  async create(c, i, undo) {
    const add = () =>
      link.addMacvlan(c.x, i.namespace, { name: i.name, parent: i.parent, mode: i.mode, mtu: i.mtu, mac: i.mac }).catch((e) => {
        if (e instanceof KernelError && e.kind === "no-device") {
          throw new Error(`cannot make macvlan ${i.name} in namespace "${i.namespace}": the parent interface "${i.parent}" is not in the root namespace on ${c.x.where}`);
        }
        throw e;
      });
    return born.make(c, i, undo, pendingOf(i), add, () => describe(c, i), "macvlan");
  },

  // Unmarked, a macvlan, named by our pending record: ours, made by a run killed before it could mark it.
  found: (c, i) => born.found(c, i, pendingOf(i), (l) => l.linkinfo?.info_kind === "macvlan"),
  adopt: (c, i) => born.adopt(c, i, pendingOf(i), () => describe(c, i)),
  read: (c, props) => describe(c, props),
  update: (c, olds, news) => born.update(c, olds, news, () => describe(c, news)),

  async delete(c, props) {
    await link.del(c.x, props.namespace, props.name);
  },
});
