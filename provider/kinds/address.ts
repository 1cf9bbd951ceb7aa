/** IpAddress: one IPv4 or IPv6 address (CIDR) on a device in a namespace. Every change replaces. */
import { z } from "zod";
import * as addr from "../kernel/addr";
import { KernelError } from "../kernel/exec";
import * as link from "../kernel/link";
import { sameStack } from "../ownership";
import { cidr, ifname, nsname } from "./fields";
import { inNamespace } from "../needs";
import { defineKind } from "./kind";

export const address = defineKind({
  inputs: {
    /** The network namespace it lives in (a NetNamespace's name). */
    namespace: nsname,
    /** The interface it is on (made by a VethLink, Bridge or VxlanLink, or there already). */
    device: ifname,
    /** Address with prefix length, IPv4 or IPv6: "192.168.1.2/24", "fd00::2/64". */
    address: cidr,
    /**
     * The device's ifindex, from its cable's outputs: a device made anew (a cable moved or renumbered,
     * taking over its interface name) has another, and this is made again on it. Unset: not compared.
     */
    ifindex: z.number().int().positive().optional(),
  },
  outputs: {},
  replaceOn: ["namespace", "device", "address", "ifindex"],
  inPlace: [],
  // A state of an older release has none: not a change (it was the same device).
  same: { ifindex: (a, b) => a === undefined || b === undefined || a === b },
  namespaces: (i) => [i.namespace],
  makes: ["address", "in"],
  provides: (i) => [{ kind: "address", ns: i.namespace, dev: i.device, cidr: i.address }, { kind: "in", ns: i.namespace }],
  needs: (i) => inNamespace(i.namespace, i.device),
  remark: "unmarked",
  title: (i) => `address ${i.address} on ${i.device}`,
  id: (i) => `${i.namespace}/${i.device}/${i.address}`,

  async create(c, i) {
    try {
      await addr.add(c.x, i.namespace, i.device, i.address);
    } catch (e) {
      if (e instanceof KernelError && e.kind === "no-device") {
        throw new Error(`cannot add ${i.address}: device "${i.device}" does not exist in namespace "${i.namespace}"; declare the VethLink, Bridge or VxlanLink that makes it`);
      }
      throw e;
    }
    return {};
  },

  async found(c, i) {
    if (!(await addr.has(c.x, i.namespace, i.device, i.address))) return null;
    // Addresses carry no marker of their own: one on a link this stack made is the stack's.
    const alias = (await link.show(c.x, i.namespace, i.device))?.ifalias;
    return {
      marker: sameStack(alias, c.owner) ? c.mark : alias,
      what: `address ${i.address}`,
      where: `on ${i.device} in namespace "${i.namespace}"`,
    };
  },

  adopt: async () => ({}),

  async read(c, props) {
    return (await addr.has(c.x, props.namespace, props.device, props.address)) ? {} : undefined;
  },

  update: async () => ({}), // only the owner changes in place, and addresses carry no marker

  async delete(c, props) {
    await addr.del(c.x, props.namespace, props.device, props.address);
  },
});
