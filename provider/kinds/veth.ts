/**
 * VethLink: a veth pair whose two ends are born in their namespaces in one call, so no crash can
 * strand half a pair in the root namespace. Both ends carry the marker as their alias. MTU (both
 * ends), MACs, up/down, checksum offload and the marker update in place; names and namespaces replace.
 *
 * `peerInRoot`: the other end in the machine's root namespace (the host's side of a containerlab
 * `host` link; in the sandbox of a user who is not root, the sandbox's root namespace). It is born
 * there with its peer already in the namespace, in one call, and a veth pair dies whole when one
 * end's namespace goes: the root end lives exactly as long as the namespace, so nothing of ours is
 * left in the root namespace after a destroy or a sweep, even when a run was killed.
 */
import { z } from "zod";
import { KernelError } from "../kernel/exec";
import { inNamespace } from "../needs";
import { claim, refuse } from "../ownership";
import * as pending from "./pending";
import * as link from "../kernel/link";
import { cidr, ifname, mac, mtu, nsname } from "./fields";
import * as addr from "../kernel/addr";
import { canonicalCidr, networkOf } from "../net";
import { Ctx, defineKind, InputsOf, Props, Undo } from "./kind";

const offload = z
  .object({
    /** Receive checksum offload. */
    rx: z.boolean().optional(),
    /** Transmit checksum offload (off for a user-space router that sends raw frames). */
    tx: z.boolean().optional(),
  })
  .strict();

const inputs = {
  /** This end's interface name (1-15 bytes). */
  name: ifname,
  /** The namespace this end is created in. */
  namespace: nsname,
  /** The other end's interface name. */
  peerName: ifname,
  /** The namespace the other end is created in (unset: `peerInRoot`). */
  peerNamespace: nsname.optional(),
  /** The other end in the machine's root namespace instead (see above); its name must be free there. */
  peerInRoot: z.literal(true).optional(),
  /**
   * Addresses of the root end (with `peerInRoot`; they go with it): a management network's gateway
   * on the host. Refused where the root namespace has the subnet on another interface already
   * (another lab's, or the machine's own). Other addresses someone adds there are left alone.
   */
  peerAddresses: z.array(cidr).optional(),
  /** MTU of both ends (68-65535); unset: the kernel default, not managed. */
  mtu: mtu.optional(),
  /** This end's MAC (unicast); unset: the kernel's random one, not managed. */
  mac: mac.optional(),
  /** The other end's MAC; unset: not managed. */
  peerMac: mac.optional(),
  /** Checksum offload of both ends (`ethtool -K dev rx … tx …`); unset: not managed. */
  offload: offload.optional(),
  /** Both ends administratively up (default true). */
  up: z.boolean().default(true),
  /** The bridge (in `namespace`) this end is a port of; unset: not managed. */
  master: ifname.optional(),
  /** The bridge (in `peerNamespace`) the other end is a port of; unset: not managed. */
  peerMaster: ifname.optional(),
  /**
   * An end's name taken by another resource of this stack is taken over (that pair is removed
   * first) instead of refused: for components that check that no two of their cables claim one
   * interface, so the other is a cable the same update removes (a link moved or renumbered). Not
   * part of the pair's identity. Unset: refused (ClaimedError).
   */
  supersede: z.boolean().optional(),
};
type I = InputsOf<typeof inputs>;

interface End {
  ns: string;
  dev: string;
  mac?: string;
  master?: string;
}
/** The root namespace, as an end's `ns`: `ip` without `-n`. */
const ROOT = "";
const ends = (i: I): [End, End] => [
  { ns: i.namespace, dev: i.name, mac: i.mac, master: i.master },
  { ns: i.peerInRoot ? ROOT : i.peerNamespace!, dev: i.peerName, mac: i.peerMac, master: i.peerMaster },
];
/** Where an end is, for messages. */
const whereIs = (ns: string) => (ns === ROOT ? "in the root namespace" : `in namespace "${ns}"`);
type Links = [link.LinkInfo | undefined, link.LinkInfo | undefined];
const showEnds = (c: Ctx, i: I): Promise<Links> => Promise.all(ends(i).map((e) => link.show(c.x, e.ns, e.dev))) as Promise<Links>;

const sameMac = (a?: string, b?: string) => b === undefined || String(a).toLowerCase() === b.toLowerCase();
function sameOffload(have: Props | undefined, want: Props | undefined): boolean {
  if (!want) return true; // not managed
  return Object.entries(want).every(([k, v]) => v === undefined || have?.[k] === v);
}

/** The pair as outputs, from the kernel's view of its ends (fetched unless given); undefined if gone. */
async function describe(c: Ctx, i: I, withOffload = true, links?: Links): Promise<Props | undefined> {
  const [a, b] = ends(i);
  const [la, lb] = links ?? (await showEnds(c, i));
  const ours = (l?: link.LinkInfo) => l && l.ifalias === c.mark && l.linkinfo?.info_kind === "veth";
  if (!ours(la) && !ours(lb)) return undefined;
  if (!ours(la) || !ours(lb)) {
    // Half a pair: the other end was moved away (or renamed) by hand. Reported as broken, so that
    // the next up replaces the pair, and with it what sits on it (addresses). `broken` names the
    // input whose end is missing; diff turns it into a replacement.
    return { up: false, broken: ours(la) ? "peerNamespace" : "namespace" };
  }
  const outs: Props = {
    mtu: la!.mtu, mac: la!.address, peerMac: lb!.address, up: la!.flags.includes("UP") && lb!.flags.includes("UP"),
    ifindex: la!.ifindex, peerIfindex: lb!.ifindex, operstate: la!.operstate, broken: undefined,
    master: la!.master, peerMaster: lb!.master,
  };
  if (i.peerInRoot && i.peerAddresses) {
    // Of the addresses wanted on the root end, those there (one gone is drift; others are not ours).
    const there = new Set((await addr.list(c.x, ROOT, i.peerName)).map((x) => x.cidr));
    outs.peerAddresses = i.peerAddresses.filter((x) => there.has(canonicalCidr(x)));
  }
  if (i.offload && withOffload) {
    const [oa, ob] = await Promise.all([link.readOffload(c.x, a.ns, a.dev), link.readOffload(c.x, b.ns, b.dev)]);
    // "mixed" when the two ends disagree, so that drift at either end shows as a difference.
    const both = (x: boolean, y: boolean) => (x === y ? x : "mixed");
    outs.offload = { rx: both(oa.rx, ob.rx), tx: both(oa.tx, ob.tx) };
  }
  return outs;
}

/** Sets what differs between `have` (kernel or old state) and `want`: one call per end at most. */
async function apply(c: Ctx, have: Props | undefined, want: I, firstEndUp = false): Promise<void> {
  const [a, b] = ends(want);
  for (const end of [a, b]) {
    const haveMac = end === a ? have?.mac : have?.peerMac;
    const haveMaster = end === a ? have?.master : have?.peerMaster;
    if (end.master !== undefined && haveMaster !== end.master) {
      // The bridge is made first when the program declares it (its need): missing, it never was.
      await link.set(c.x, end.ns, end.dev, { master: end.master }).catch((e) => {
        if (!(e instanceof KernelError && e.kind === "no-device")) throw e;
        throw new Error(`cannot make ${end.dev} a port of bridge "${end.master}": no such bridge ${whereIs(end.ns)}; declare a Bridge named "${end.master}" in "${end.ns}"`);
      });
    }
    await link.set(c.x, end.ns, end.dev, {
      mtu: want.mtu !== undefined && have?.mtu !== want.mtu ? want.mtu : undefined,
      address: end.mac !== undefined && !sameMac(haveMac, end.mac) ? end.mac : undefined,
      up: have?.up !== want.up && !(end === a && firstEndUp) ? want.up : undefined,
      alias: have?.owner !== want.owner ? c.mark : undefined,
    });
  }
  if (want.peerInRoot && (want.peerAddresses || have?.peerAddresses)) {
    const had = new Set(((have?.peerAddresses ?? []) as string[]).map(canonicalCidr));
    const wanted = (want.peerAddresses ?? []).map(canonicalCidr);
    for (const x of had) if (!wanted.includes(x)) await addr.del(c.x, ROOT, want.peerName, x);
    const root = wanted.some((x) => !had.has(x)) ? await addr.list(c.x, ROOT) : [];
    for (const x of wanted.filter((y) => !had.has(y))) {
      if (root.some((r) => r.device === want.peerName && r.cidr === x)) continue;
      // Two labs' management networks on one subnet would split the host's routes: refused, as containerlab refuses it.
      const clash = root.find((r) => r.device !== want.peerName && r.scope !== "link" && networkOf(r.cidr) === networkOf(x));
      if (clash) {
        throw new Error(`cannot put ${x} on ${want.peerName} in the root namespace: it has ${clash.cidr} on ${clash.device} already (another lab's management network, or this machine's own network): give this lab another subnet`);
      }
      await addr.add(c.x, ROOT, want.peerName, x);
    }
  }
  if (want.offload && !sameOffload(have?.offload, want.offload)) {
    await Promise.all([link.writeOffload(c.x, a.ns, a.dev, want.offload), link.writeOffload(c.x, b.ns, b.dev, want.offload)]);
  }
}

async function outputs(c: Ctx, i: I, withOffload = true): Promise<Props> {
  const outs = await describe(c, i, withOffload);
  if (!outs || outs.broken) throw new Error(`veth ${i.namespace}/${i.name} vanished while it was being set up: run refresh`);
  return outs;
}

/** What the pending record of a pair names (kinds/pending.ts). */
const pendingOf = (i: I) => `veth ${i.namespace}/${i.name} ${i.peerInRoot ? "(root)" : i.peerNamespace}/${i.peerName}`;

/**
 * A pair a killed run made but could not mark yet (the kernel takes no alias at creation: the marker
 * is the next call): both ends there, unmarked veths, named by our pending record. Adopted, marked.
 */
async function orphanPair(c: Ctx, i: I, links: Links): Promise<boolean> {
  return links.every((l) => l && !l.ifalias && l.linkinfo?.info_kind === "veth") && (await pending.ours(c, pendingOf(i)));
}

/** Makes the pair: both ends born in their namespaces, this end already up, in one call. */
async function make(c: Ctx, i: I, undo: Undo): Promise<Props> {
  const [a, b] = ends(i);
  const settings = (e: End) => ({ mtu: i.mtu, address: e.mac });
  // An end in the root namespace is the one `ip link add` names there (no `-n`), its peer born in
  // the namespace (`netns NS`): the reverse would need a name for the root namespace.
  const inRoot = b.ns === ROOT;
  await pending.making(c, pendingOf(i), undo, () =>
    inRoot
      ? link.addVeth(c.x, { ns: b.ns, dev: b.dev, settings: settings(b) }, { ns: a.ns, dev: a.dev, settings: settings(a) })
      : link.addVeth(c.x, { ns: a.ns, dev: a.dev, settings: { ...settings(a), up: i.up || undefined } }, { ns: b.ns, dev: b.dev, settings: settings(b) }),
  );
  undo.push(() => link.del(c.x, a.ns, a.dev));
  // This end came up with `ip link add … up` (not a root end's pair: both still down); the peer and both markers are still to set.
  await apply(c, { mtu: i.mtu, mac: i.mac, peerMac: i.peerMac, up: false, offload: {} }, i, !inRoot);
  await pending.end(c, pendingOf(i));
  const outs = await outputs(c, i, false);
  return i.offload ? { ...outs, offload: i.offload } : outs;
}

export const veth = defineKind({
  inputs,
  outputs: {
    ifindex: z.number(),
    peerIfindex: z.number(),
    operstate: z.string(),
  },
  inPlace: ["mtu", "mac", "peerMac", "offload", "up", "master", "peerMaster", "supersede", "peerAddresses"],
  same: {
    supersede: () => true, // how a create meets a name taken, not a property of the pair
    mac: (a, b) => sameMac(a, b),
    peerMac: (a, b) => sameMac(a, b),
    offload: (a, b) => sameOffload(a, b),
    peerAddresses: (a, b) => JSON.stringify((a ?? []).map(canonicalCidr).sort()) === JSON.stringify((b ?? []).map(canonicalCidr).sort()),
  },
  alsoReplace: (olds) => (olds.broken ? [olds.broken] : []),
  replaceOn: ["name", "namespace", "peerName", "peerNamespace", "peerInRoot"],
  refine: (i) => [
    ...(i.namespace === i.peerNamespace && i.name === i.peerName ? [{ property: "peerName", reason: "peerName must differ from name when both ends are in the same namespace" }] : []),
    ...(i.peerNamespace === undefined && !i.peerInRoot ? [{ property: "peerNamespace", reason: "the other end's namespace is required (or peerInRoot: true for the machine's root namespace)" }] : []),
    ...(i.peerNamespace !== undefined && i.peerInRoot ? [{ property: "peerInRoot", reason: "the other end is in peerNamespace or in the root namespace, not both" }] : []),
    ...(i.peerInRoot && i.peerMaster !== undefined ? [{ property: "peerMaster", reason: "netns-lab makes no bridge in the root namespace: an end there is no bridge's port" }] : []),
    ...(!i.peerInRoot && i.peerAddresses !== undefined ? [{ property: "peerAddresses", reason: "only an end in the root namespace (peerInRoot) takes its addresses here: give others an IpAddress" }] : []),
  ],
  namespaces: (i) => [i.namespace, ...(i.peerInRoot ? [] : [i.peerNamespace!])],
  // An end in the root namespace holds a name of the whole machine: deleted by its own step, not
  // left to the kernel's cleanup of the node's namespace, which runs after that namespace is
  // released (so the name is free when destroy returns, for the next up).
  goesWithNamespace: (i) => !i.peerInRoot,
  makes: ["device", "in"],
  provides: (i) =>
    i.peerInRoot
      ? [{ kind: "device", ns: i.namespace, dev: i.name }, { kind: "in", ns: i.namespace }]
      : [
          { kind: "device", ns: i.namespace, dev: i.name },
          { kind: "device", ns: i.peerNamespace!, dev: i.peerName },
          { kind: "in", ns: i.namespace },
          { kind: "in", ns: i.peerNamespace! },
        ],
  needs: (i) => [...inNamespace(i.namespace, i.master), ...(i.peerInRoot ? [] : inNamespace(i.peerNamespace!, i.peerMaster))],
  remark: "update",
  title: (i) => `veth ${i.name}/${i.peerName}`,
  id: (i) => `${i.namespace}/${i.name}`,

  create: make,

  async found(c, i) {
    const links = await showEnds(c, i);
    if (await orphanPair(c, i, links)) return { marker: c.mark, what: `interface "${i.name}"`, where: `in namespace "${i.namespace}"` };
    const at = links.findIndex((l) => l?.ifalias === c.mark);
    const first = at >= 0 ? at : links.findIndex((l) => l !== undefined);
    if (first < 0) return null;
    const end = ends(i)[first];
    return { marker: links[first]!.ifalias, what: `interface "${end.dev}"`, where: whereIs(end.ns) };
  },

  async adopt(c, i, undo) {
    const links = await showEnds(c, i);
    if (links.every((l) => l?.ifalias === c.mark) || (await orphanPair(c, i, links))) {
      // Both ends ours, left by an interrupted run: converge them.
      await apply(c, await describe(c, i, true, links), i);
      await pending.end(c, pendingOf(i));
      return outputs(c, i);
    }
    // One end of a pair of ours survived (the other was moved away by hand): remove it (with its
    // moved peer) and make the pair again, once.
    const survivor = ends(i).find((_, n) => links[n]?.ifalias === c.mark)!;
    await link.del(c.x, survivor.ns, survivor.dev);
    return make(c, i, undo);
  },

  async supersede(c, i, undo) {
    // Each end that is there: another cable of this stack's (checked again: never a stranger's).
    const links = await showEnds(c, i);
    for (const [n, e] of ends(i).entries()) {
      const l = links[n];
      if (!l) continue;
      const cl = claim(l.ifalias, c.owner);
      if (cl === "foreign") refuse(cl, { what: `interface "${e.dev}"`, where: whereIs(e.ns), found: l.ifalias });
      // Deleting one end deletes its pair: the second end may be gone with the first.
      await link.del(c.x, e.ns, e.dev).catch((err) => {
        if (!(err instanceof KernelError && err.kind === "no-device")) throw err;
      });
    }
    return make(c, i, undo);
  },

  read: (c, props) => describe(c, props),

  async update(c, olds, news) {
    await apply(c, olds, news);
    return outputs(c, news);
  },

  async delete(c, props) {
    // Deleting either end deletes the pair (wherever the other end is): the first that is ours.
    for (const end of ends(props)) {
      const l = await link.show(c.x, end.ns, end.dev);
      if (l?.ifalias !== c.mark) continue;
      await link.del(c.x, end.ns, end.dev);
      return;
    }
  },
});
