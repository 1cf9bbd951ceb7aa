/**
 * VxlanLink: one end of a cable between machines — a VXLAN device in a node's namespace whose
 * tunnel runs over the machine's own network (the underlay). Born in the node's namespace, marked, in one
 * call made from the machine's root namespace (where its UDP socket stays); the other end is the same kind on the other machine, with the same VNI and
 * each other's underlay address as `remote`. One VNI per link.
 */
import { z } from "zod";
import * as link from "../kernel/link";
import { ifname, ipaddr, mac, mtu, nsname } from "./fields";
import { Ctx, defineKind, InputsOf, Props } from "./kind";
import { inNamespace } from "../needs";
import * as born from "./born";

const inputs = {
  /** The device's name in the node's namespace (1-15 bytes). */
  name: ifname,
  /** The network namespace it lives in (a NetNamespace's name). */
  namespace: nsname,
  /** The VXLAN network identifier, 1-16777215: the same at both ends, different for every link. */
  vni: z.number().int().min(1, "vni must be 1-16777215").max(16777215, "vni must be 1-16777215"),
  /** The other machine's underlay address. */
  remote: ipaddr,
  /** This machine's underlay address (default: the kernel picks by route). */
  local: ipaddr.optional(),
  /** The UDP port (default 4789, IANA's). */
  dstPort: z.number().int().min(1).max(65535).default(4789),
  /** The machine's interface the tunnel leaves by (default: by route). */
  underlay: ifname.optional(),
  /** Default 1450: an Ethernet underlay's 1500 less VXLAN's 50 bytes. */
  mtu: mtu.default(1450),
  /** Administratively up (default true). */
  up: z.boolean().default(true),
  /**
   * Its MAC address (default: the kernel's random one). Fixed, a device made again (after it was
   * deleted by hand) is the same to its neighbours at once, instead of after their ARP entries age.
   */
  mac: mac.optional(),
  /** The bridge in the namespace it is a port of (a LAN's switch on this machine). */
  master: ifname.optional(),
};
type I = InputsOf<typeof inputs>;

const pendingOf = (i: I) => `vxlan ${i.namespace}/${i.name}`;

async function describe(c: Ctx, i: I): Promise<Props | undefined> {
  const l = await link.show(c.x, i.namespace, i.name);
  const d = l?.linkinfo?.info_data;
  if (!l || l.ifalias !== c.mark || l.linkinfo?.info_kind !== "vxlan" || !d) return undefined;
  return {
    ifindex: l.ifindex, mtu: l.mtu, up: l.flags.includes("UP"), vni: d.id, remote: d.remote ?? d.remote6, dstPort: d.port, ...(i.mac ? { mac: l.address } : {}),
    ...(i.local ? { local: d.local ?? d.local6 } : {}), ...(i.master !== undefined || l.master ? { master: l.master } : {}),
  };
}

export const vxlan = defineKind({
  inputs,
  outputs: { ifindex: z.number() },
  replaceOn: ["name", "namespace", "vni", "remote", "local", "dstPort", "underlay", "mac"],
  inPlace: ["mtu", "up", "master"],
  namespaces: (i) => [i.namespace],
  makes: ["device", "in"],
  provides: (i) => [{ kind: "device", ns: i.namespace, dev: i.name }, { kind: "in", ns: i.namespace }],
  needs: (i) => inNamespace(i.namespace, i.master),
  remark: async (c, _olds, news) => link.set(c.x, news.namespace, news.name, { alias: c.mark }),
  title: (i) => `vxlan ${i.name} (VNI ${i.vni})`,
  id: (i) => `${i.namespace}/${i.name}`,

  async create(c, i, undo) {
    const add = () => link.addVxlan(c.x, i.namespace, { name: i.name, vni: i.vni, remote: i.remote, local: i.local, dstPort: i.dstPort, underlay: i.underlay, mtu: i.mtu, mac: i.mac });
    return born.make(c, i, undo, pendingOf(i), add, () => describe(c, i), "vxlan");
  },

  // Unmarked, with our VNI, named by our pending record: ours, made by a run killed before it
  // could mark it (the kernel takes no alias at creation).
  found: (c, i) => born.found(c, i, pendingOf(i), (l) => l.linkinfo?.info_kind === "vxlan" && l.linkinfo.info_data?.id === i.vni),
  adopt: (c, i) => born.adopt(c, i, pendingOf(i), () => describe(c, i)),
  read: (c, props) => describe(c, props),
  update: (c, olds, news) => born.update(c, olds, news, () => describe(c, news)),

  async delete(c, props) {
    await link.del(c.x, props.namespace, props.name);
  },
});
