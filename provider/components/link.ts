/** Cables: a Link is a veth pair between two nodes, with the addresses and shaping of its ends. */
import * as pulumi from "@pulumi/pulumi";
import { IpAddress, Offload, TrafficShaping, TrafficShapingArgs, VethLink, VxlanLink } from "../resources";
import { InterfaceInfo } from "./description";
import { LabNode } from "./node";
import { programStack } from "../shim";

/** One end's addresses: none, one CIDR, or several (dual stack). */
export type Addresses = string | string[] | undefined;
/** One end's addresses as a list. */
export const addressList = (a: Addresses): string[] => (a === undefined ? [] : typeof a === "string" ? [a] : a);

/** Rate (tbf) and delay, jitter, loss (netem) of both ends of a cable. */
export type Shaping = Omit<TrafficShapingArgs, "namespace" | "device">;

/** Options of `lab.link()`. */
export interface LinkOptions {
  /** The a end's and the b end's addresses (CIDR): each undefined, one, or a list. */
  addresses?: [Addresses, Addresses];
  /** Interface names; default `<a>-<b>` and `<b>-<a>`. */
  names?: [string, string];
  /** The MTU of both ends (default the kernel's, 1500; 1450 between machines). */
  mtu?: number;
  /** Checksum offload of both ends (rx, tx; default the kernel's: on). */
  offload?: Offload;
  /** Whether both ends are up (default true). */
  up?: boolean;
  /** Shaping of both ends (a rate is tbf; delay, jitter and loss need netem). */
  shaping?: Shaping;
  /** The MAC addresses of the a end and the b end (default the kernel's, random). */
  macs?: [string | undefined, string | undefined];
  /** The bridge each end is a port of (a LAN switch's bridge, in that end's node). */
  masters?: [string | undefined, string | undefined];
  /** The cable's name in the lab (default from its ends: `<a>-<b>`, or `<nameA>-<nameB>` with names). */
  name?: string;
  /**
   * What must be done before the cable is made, besides both ends' namespaces (Pulumi resources: a
   * command that must run in a node before it has cables, as containerlab's create-links stage).
   */
  after?: pulumi.Input<pulumi.Resource>[];
}

/** What the lab adds to a cable. */
export interface LinkWiring {
  /** For ends on different machines: the VXLAN network identifier (the lab allocates it). */
  vni?: number;
  /**
   * Whether the interface names were given (`names`): then they may repeat across nodes and cables
   * (eth0 everywhere, or one name at both ends), so the cable's parts are named from their node
   * too (`h1.eth0-addr`), aliased to the names they had before.
   */
  namedEnds?: boolean;
  /**
   * The lab lets its cables take over interface names another of its cables holds, and what sits on
   * a device follow it to a device made anew (LabOptions.supersede).
   */
  supersede?: boolean;
}

/** A locally administered unicast MAC from a name: the same device made again keeps its address. */
export function stableMac(name: string): string {
  let h = 0x811c9dc5, g = 0x01000193;
  for (const ch of name) {
    h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    g = Math.imul(g ^ ch.charCodeAt(0), 0x811c9dc5) >>> 0;
  }
  const bytes = [0x02, h >>> 24, (h >>> 16) & 255, (h >>> 8) & 255, h & 255, g & 255];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** VXLAN's overhead on an Ethernet underlay: a cable between machines is 1500 - 50 unless told. */
export const VXLAN_MTU = 1450;

/** One end of a cable, as `describe()` reports it. */
export type LinkEnd = InterfaceInfo & {
  /** The node it is in. */
  node: string;
};

/** A cable between two nodes: a veth pair plus the addresses (and shaping) of its ends. */
export class Link extends pulumi.ComponentResource {
  /** The veth pair, when both ends are on one machine. */
  readonly veth?: VethLink;
  /** The VXLAN ends (a's, b's), when the ends are on different machines. */
  readonly tunnel?: [VxlanLink, VxlanLink];
  /** The IpAddress resources of both ends. */
  readonly addresses: IpAddress[] = [];
  /** The TrafficShaping resources of both ends (with `shaping`). */
  readonly shaping: TrafficShaping[] = [];
  /** Its two ends: node, interface, addresses. */
  readonly ends: [LinkEnd, LinkEnd];
  /** Its name in the lab (`<a>-<b>`, or from its interface names). */
  readonly linkName: string;

  constructor(name: string, a: LabNode, b: LabNode, o: LinkOptions & LinkWiring, opts: pulumi.ComponentResourceOptions = {}) {
    const restore = programStack(); // the state records the program's frames only
    super("netns-lab:index:Link", name, {}, opts);
    restore();
    this.linkName = name;
    const [an, bn] = o.names ?? [`${a.name}-${b.name}`, `${b.name}-${a.name}`];
    // A part's resource name: from its interface alone for default names (unique: node names are),
    // from its node and interface when the names were given; the old name stays an alias.
    const part = (node: LabNode, ifname: string, suffix: string): [string, pulumi.CustomResourceOptions] =>
      o.namedEnds ? [`${node.name}.${ifname}${suffix}`, { parent: this, aliases: [{ name: `${ifname}${suffix}` }] }] : [`${ifname}${suffix}`, { parent: this }];
    const across = (a.machine?.name ?? "") !== (b.machine?.name ?? "");
    if (!across) {
      this.veth = new VethLink(name, {
        name: an, namespace: a.namespace.name, peerName: bn, peerNamespace: b.namespace.name,
        mtu: o.mtu, offload: o.offload, up: o.up, master: o.masters?.[0], peerMaster: o.masters?.[1],
        ...(o.macs?.[0] ? { mac: o.macs[0] } : {}), ...(o.macs?.[1] ? { peerMac: o.macs[1] } : {}),
        // The lab checked that no other cable of it has these ends: one of this stack's there is a cable removed in this update.
        ...(o.supersede ? { supersede: true } : {}), ...a.on,
      }, { parent: this, ...(o.after?.length ? { dependsOn: o.after } : {}) });
    } else {
      // Ends on different machines: a VXLAN device at each end, over the machines' own network.
      if (o.vni === undefined) throw new Error(`link ${name}: its ends are on different machines and it has no VNI (declare it through the lab)`);
      const end = (node: LabNode, other: LabNode, ifname: string, master?: string) => {
        const remote = other.machine?.address;
        if (!remote) throw new Error(`link ${name}: ${other.name} is on this machine, which has no underlay address another machine can reach: put both ends on declared machines (lab.machine)`);
        const [rname, ropts0] = part(node, ifname, "");
        const ropts = o.after?.length ? { ...ropts0, dependsOn: o.after } : ropts0;
        return new VxlanLink(rname, {
          name: ifname, namespace: node.namespace.name, vni: o.vni!, remote, ...(node.machine ? { local: node.machine.address } : {}),
          mtu: o.mtu ?? VXLAN_MTU, up: o.up, master, mac: stableMac(`${node.nsName}/${ifname}`), ...node.on,
        }, ropts);
      };
      this.tunnel = [end(a, b, an, o.masters?.[0]), end(b, a, bn, o.masters?.[1])];
    }
    const device = (side: 0 | 1) => (this.veth ? (side === 0 ? this.veth.name : this.veth.peerName) : this.tunnel![side].name);
    const cable = (side: 0 | 1): pulumi.Resource => this.veth ?? this.tunnel![side];
    // Where a cable may take over a device another cable made, what sits on it records the device's
    // ifindex, so that it is made again on the new device (otherwise a device made anew is a cable
    // replaced, which replaces what sits on it through replaceWith).
    const ifindex = (side: 0 | 1) => (!o.supersede ? {} : { ifindex: this.veth ? (side === 0 ? this.veth.ifindex : this.veth.peerIfindex) : this.tunnel![side].ifindex });
    const lists = [addressList(o.addresses?.[0]), addressList(o.addresses?.[1])];
    const end = (node: LabNode, ifname: string, peer: LabNode, addrs: string[]): LinkEnd => ({
      node: node.name, name: ifname, peer: peer.name, ...(addrs.length ? { address: addrs[0] } : {}), ...(addrs.length > 1 ? { addresses: addrs } : {}),
      ...(o.up === false ? { down: true as const } : {}),
    });
    this.ends = [end(a, an, b, lists[0]), end(b, bn, a, lists[1])];
    [a, b].forEach((node, side) => {
      const { node: _n, ...info } = this.ends[side];
      node.interfaces.push(info);
      node.linkResources.push(cable(side as 0 | 1));
      // The device comes from the cable's outputs, so that replacing it replaces what sits on it too.
      const dev = device(side as 0 | 1);
      const ifname = side === 0 ? an : bn;
      lists[side].forEach((address, n) => {
        const [rname, ropts] = part(node, ifname, `-addr${n === 0 ? "" : `-${n + 1}`}`);
        const ip = new IpAddress(rname, { namespace: node.namespace.name, device: dev, ...ifindex(side as 0 | 1), address, ...node.on }, ropts);
        this.addresses.push(ip);
        a.addressResources.push(ip);
        b.addressResources.push(ip);
      });
      if (o.shaping) {
        const [rname, ropts] = part(node, ifname, "-shaping");
        this.shaping.push(new TrafficShaping(rname, { ...o.shaping, namespace: node.namespace.name, device: dev, ...ifindex(side as 0 | 1), ...node.on }, ropts));
      }
    });
    this.registerOutputs({});
  }
}
