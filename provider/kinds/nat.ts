/**
 * Nat: source NAT out of one interface of a namespace, with nftables: masquerade, or SNAT to `to`.
 * Each Nat is a table of its own (named from its owner) whose one rule carries the owner's marker.
 */
import { KernelError } from "../kernel/exec";
import { inNamespace } from "../needs";
import * as link from "../kernel/link";
import * as nft from "../kernel/nft";
import { familyOf, parseCidr, sameAddress } from "../net";
import { ifname, ipaddr, network, nsname } from "./fields";
import { Ctx, defineKind, InputsOf } from "./kind";

const inputs = {
  /** The network namespace it lives in (a NetNamespace's name). */
  namespace: nsname,
  /** The network whose packets are translated, e.g. 192.168.1.0/24. */
  source: network,
  /** The interface they leave by. */
  outInterface: ifname,
  /** SNAT to this address; unset: masquerade (the interface's own address). */
  to: ipaddr.optional(),
};
type I = InputsOf<typeof inputs>;
const familyOfNat = (i: I) => parseCidr(i.source)!.family;
const spec = (i: I): nft.SourceNat => ({ family: familyOfNat(i), source: i.source, outInterface: i.outInterface, to: i.to });

async function write(c: Ctx, i: I): Promise<void> {
  // The interface is made first when the program declares it (its need): missing, it never was.
  if (!(await link.show(c.x, i.namespace, i.outInterface))) {
    throw new Error(`cannot NAT out of ${i.outInterface}: interface "${i.outInterface}" does not exist in namespace "${i.namespace}"; declare the VethLink, Bridge or VxlanLink that makes it`);
  }
  await nft.write(c.x, i.namespace, nft.tableOf(i.owner), c.mark, spec(i));
}

export const nat = defineKind({
  inputs,
  outputs: {},
  replaceOn: ["namespace"],
  inPlace: ["source", "outInterface", "to"],
  same: { to: (a, b) => a === b || (a !== undefined && b !== undefined && sameAddress(a, b)) },
  refine: (i) => (i.to && familyOf(i.to) !== familyOfNat(i) ? [{ property: "to", reason: "to: the address and the source network must be the same IP family" }] : []),
  namespaces: (i) => [i.namespace],
  makes: ["in"],
  provides: (i) => [{ kind: "in", ns: i.namespace }],
  needs: (i) => inNamespace(i.namespace, i.outInterface),
  // The table is named from its owner: the new owner's is written, then the old one's removed.
  async remark(c, olds, news) {
    await write(c, news);
    if (nft.tableOf(olds.owner) !== nft.tableOf(news.owner)) await nft.remove(c.x, olds.namespace, nft.tableOf(olds.owner), familyOfNat(olds));
  },
  title: (i) => `NAT of ${i.source} out of ${i.outInterface}`,
  id: (i) => `${i.namespace}/${nft.tableOf(i.owner)}`,

  async create(c, i, undo) {
    // The table's name comes from the owner: if it is there, the template decides (adopt or refuse).
    if ((await nft.read(c.x, i.namespace, nft.tableOf(i.owner), familyOfNat(i))) !== null) throw new KernelError("NAT table exists", "exists", [], "");
    undo.push(() => nft.remove(c.x, i.namespace, nft.tableOf(i.owner), familyOfNat(i)));
    await write(c, i);
    return {};
  },

  async found(c, i) {
    const rules = await nft.read(c.x, i.namespace, nft.tableOf(i.owner), familyOfNat(i));
    if (rules === null) return null;
    // A table named after this owner with no rule left (flushed by hand) is still ours.
    return { marker: rules.length ? rules[0].marker : c.mark, what: `nftables table ${nft.tableOf(i.owner)}`, where: `in namespace "${i.namespace}"` };
  },

  adopt: async (c, i) => (await write(c, i), {}),

  async read(c, props) {
    const rules = await nft.read(c.x, props.namespace, nft.tableOf(props.owner), familyOfNat(props));
    const ours = rules?.find((r) => r.marker === c.mark && r.nat);
    return ours ? { source: ours.nat!.source, outInterface: ours.nat!.outInterface, to: ours.nat!.to } : undefined;
  },

  update: async (c, _olds, news) => (await write(c, news), {}),

  async delete(c, props) {
    await nft.remove(c.x, props.namespace, nft.tableOf(props.owner), familyOfNat(props));
  },
});
