/**
 * VethLink: a veth pair whose two ends are created directly in their namespaces, in one `ip` call,
 * so that no crash can strand half a pair in the root namespace. Both ends carry the ownership
 * marker as their alias. MTU (both ends), MACs, up/down, checksum offload and the marker update in
 * place; names and namespaces replace.
 */
import { z } from "zod";
import { ip, KernelError, LinkInfo, namespaceExists, readOffload, showLink, writeOffload } from "../kernel";
import { checkFields, DiffResult, ifname, Inputs, Kind, mac, marker, mtu, nsname, owner, OWNER_PREFIX, rollback, stackMarker } from "./common";

const offload = z.object({ rx: z.boolean().optional(), tx: z.boolean().optional() }).strict();

interface End {
  ns: string;
  dev: string;
  mac?: string;
}
const ends = (i: Inputs): [End, End] => [
  { ns: i.namespace, dev: i.name, mac: i.mac },
  { ns: i.peerNamespace, dev: i.peerName, mac: i.peerMac },
];

function sameOffload(have: Inputs | undefined, want: Inputs | undefined): boolean {
  if (!want) return true; // not managed
  return Object.entries(want).every(([k, v]) => v === undefined || have?.[k] === v);
}

/** Both ends as the kernel reports them (undefined where missing). */
function showEnds(inputs: Inputs): Promise<[LinkInfo | undefined, LinkInfo | undefined]> {
  const [a, b] = ends(inputs);
  return Promise.all([showLink(a.ns, a.dev), showLink(b.ns, b.dev)]);
}

/** The pair as outputs, from the kernel's view of its ends (fetched unless given). */
async function describe(inputs: Inputs, withOffload = true, links?: [LinkInfo | undefined, LinkInfo | undefined]): Promise<Inputs | undefined> {
  const [a, b] = ends(inputs);
  const [la, lb] = links ?? (await showEnds(inputs));
  const mark = marker(inputs.owner);
  const ours = (l: LinkInfo | undefined) => l && l.ifalias === mark && l.linkinfo?.info_kind === "veth";
  if (!ours(la) && !ours(lb)) return undefined;
  if (!ours(la) || !ours(lb)) {
    // Half a pair: the other end was moved to another namespace (or renamed) by hand. Reported as
    // broken, so that the next up replaces the pair, and with it what sits on it (addresses).
    // `broken` names the input whose end is missing; diff turns it into a replacement.
    return { ...inputs, up: false, broken: ours(la) ? "peerNamespace" : "namespace" };
  }
  const outs: Inputs = {
    ...inputs,
    mtu: la!.mtu,
    mac: la!.address,
    peerMac: lb!.address,
    up: la!.flags.includes("UP") && lb!.flags.includes("UP"),
    ifindex: la!.ifindex,
    peerIfindex: lb!.ifindex,
    operstate: la!.operstate,
  };
  if (inputs.offload && withOffload) {
    const [oa, ob] = await Promise.all([readOffload(a.ns, a.dev), readOffload(b.ns, b.dev)]);
    // "mixed" when the two ends disagree, so that drift at either end shows as a difference.
    const both = (x: boolean, y: boolean) => (x === y ? x : "mixed");
    outs.offload = { rx: both(oa.rx, ob.rx), tx: both(oa.tx, ob.tx) };
  }
  return outs;
}

/** Sets what differs between `have` (kernel or old state) and `want`, one `ip` call per end. */
async function apply(have: Inputs | undefined, want: Inputs, firstEndUp = false): Promise<void> {
  const [a, b] = ends(want);
  const mark = marker(want.owner);
  for (const end of [a, b]) {
    const args: string[] = [];
    if (want.mtu !== undefined && have?.mtu !== want.mtu) args.push("mtu", String(want.mtu));
    const haveMac = end === a ? have?.mac : have?.peerMac;
    if (end.mac !== undefined && haveMac?.toLowerCase() !== end.mac.toLowerCase()) args.push("address", end.mac);
    if (have?.up !== want.up && !(end === a && firstEndUp)) args.push(want.up ? "up" : "down");
    if (have?.owner !== want.owner) args.push("alias", mark);
    if (args.length) await ip(end.ns, ["link", "set", "dev", end.dev, ...args], { doing: `configure ${end.dev} in ${end.ns}` });
  }
  if (want.offload && !sameOffload(have?.offload, want.offload)) {
    await Promise.all([writeOffload(a.ns, a.dev, want.offload), writeOffload(b.ns, b.dev, want.offload)]);
  }
}

export const veth: Kind = {
  async check(_olds, news) {
    const r = checkFields(
      news,
      { name: ifname, namespace: nsname, peerName: ifname, peerNamespace: nsname, mtu, mac, peerMac: mac, offload, up: z.boolean(), owner },
      ["name", "namespace", "peerName", "peerNamespace", "owner"],
      { up: true },
    );
    if (r.inputs.namespace === r.inputs.peerNamespace && r.inputs.name === r.inputs.peerName) {
      r.failures.push({ property: "peerName", reason: "peerName must differ from name when both ends are in the same namespace" });
    }
    return r;
  },

  async diff(_id, olds, news): Promise<DiffResult> {
    const replaces = ["name", "namespace", "peerName", "peerNamespace"].filter((k) => olds[k] !== news[k]);
    if (olds.broken && replaces.length === 0) replaces.push(olds.broken);
    const changed =
      (news.mtu !== undefined && olds.mtu !== news.mtu) ||
      (news.mac !== undefined && String(olds.mac).toLowerCase() !== String(news.mac).toLowerCase()) ||
      (news.peerMac !== undefined && String(olds.peerMac).toLowerCase() !== String(news.peerMac).toLowerCase()) ||
      olds.up !== news.up ||
      olds.owner !== news.owner ||
      !sameOffload(olds.offload, news.offload);
    return { changes: replaces.length > 0 || changed, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    const [a, b] = ends(inputs);
    const id = `${a.ns}/${a.dev}`;
    for (const end of [a, b]) {
      if (!namespaceExists(end.ns)) {
        throw new Error(`cannot create veth ${a.dev}/${b.dev}: network namespace "${end.ns}" does not exist`);
      }
    }
    const opts = (e: End) => [...(inputs.mtu ? ["mtu", String(inputs.mtu)] : []), ...(e.mac ? ["address", e.mac] : [])];
    try {
      // Both ends born in their namespaces, this end already up: one call, nothing in the root namespace.
      await ip(a.ns, ["link", "add", a.dev, ...opts(a), ...(inputs.up ? ["up"] : []), "type", "veth", "peer", "name", b.dev, "netns", b.ns, ...opts(b)], {
        doing: `create veth pair ${a.ns}:${a.dev} <-> ${b.ns}:${b.dev}`,
      });
    } catch (e) {
      if (!(e instanceof KernelError && e.kind === "exists")) throw e;
      const links = await showEnds(inputs);
      const mark = marker(inputs.owner);
      if (links.every((l) => l?.ifalias === mark)) {
        // Both ends exist and carry our marker: left by an interrupted run. Adopt and converge.
        await apply(await describe(inputs, true, links), inputs);
        return { id, outs: (await describe(inputs))! };
      }
      // One end of a pair of ours survived (the other was moved to another namespace by hand):
      // it is ours, so remove it (with its moved peer) and make the pair again, once.
      const survivor = [a, b].find((_, i) => links[i]?.ifalias === mark);
      if (survivor) {
        await ip(survivor.ns, ["link", "del", "dev", survivor.dev], { doing: `remove the broken half of veth ${id}` });
        return veth.create(inputs);
      }
      for (const [i, end] of [a, b].entries()) {
        const alias = links[i]?.ifalias;
        if (alias?.startsWith(stackMarker(inputs.owner))) {
          throw new Error(
            `interface "${end.dev}" already exists in namespace "${end.ns}", made by another resource of this stack ` +
              `(${alias.slice(OWNER_PREFIX.length)}): two resources cannot share one interface name`,
          );
        }
        if (links[i]) {
          throw new Error(
            `interface "${end.dev}" already exists in namespace "${end.ns}" and is not owned by this stack ` +
              `(alias ${alias ? `"${alias}"` : "unset"}): netns-lab will not adopt or delete it`,
          );
        }
      }
      throw e;
    }
    try {
      // This end came up with `ip link add … up`; the peer and both markers are still to set.
      await apply({ mtu: inputs.mtu, mac: inputs.mac, peerMac: inputs.peerMac, up: false, offload: {} }, inputs, true);
      const outs = await describe(inputs, false);
      if (!outs) throw new Error(`veth ${id} vanished right after it was created`);
      return { id, outs: inputs.offload ? { ...outs, offload: inputs.offload } : outs };
    } catch (e) {
      return rollback(e, [() => ip(a.ns, ["link", "del", "dev", a.dev])]);
    }
  },

  async read(id, props) {
    const outs = await describe(props);
    return outs ? { id, props: outs } : {};
  },

  async update(_id, olds, news) {
    await apply(olds, news);
    const outs = await describe(news);
    if (!outs) throw new Error(`veth ${news.namespace}/${news.name} disappeared during the update: run refresh`);
    return { outs };
  },

  async delete(_id, props) {
    // Deleting either end deletes the pair (wherever the other end is); only delete what carries our marker.
    for (const end of ends(props)) {
      const l = await showLink(end.ns, end.dev);
      if (!l || l.ifalias !== marker(props.owner)) continue;
      try {
        await ip(end.ns, ["link", "del", "dev", end.dev], { doing: `delete veth ${end.ns}/${end.dev}` });
      } catch (e) {
        if (await showLink(end.ns, end.dev)) throw e;
      }
      return;
    }
  },
};
