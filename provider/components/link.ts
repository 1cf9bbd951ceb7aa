/** Cables: a Link is a veth pair between two nodes, with the addresses and shaping of its ends. */
import * as pulumi from "@pulumi/pulumi";
import { IpAddress, Offload, TrafficShaping, TrafficShapingArgs, VethLink } from "../resources";
import { InterfaceInfo } from "./description";
import { LabNode } from "./node";
import { programStack } from "../shim";

/** One end's addresses: none, one CIDR, or several (dual stack). */
export type Addresses = string | string[] | undefined;
export const addressList = (a: Addresses): string[] => (a === undefined ? [] : typeof a === "string" ? [a] : a);

/** Rate (tbf) and delay, jitter, loss (netem) of both ends of a cable. */
export type Shaping = Omit<TrafficShapingArgs, "namespace" | "device">;

export interface LinkOptions {
  /** The a end's and the b end's addresses (CIDR): each undefined, one, or a list. */
  addresses?: [Addresses, Addresses];
  /** Interface names; default `<a>-<b>` and `<b>-<a>`. */
  names?: [string, string];
  mtu?: number;
  offload?: Offload;
  up?: boolean;
  /** Shaping of both ends (a rate is tbf; delay, jitter and loss need netem). */
  shaping?: Shaping;
}

/** What the lab adds for a LAN's member cables: the bridge each end is a port of, and what to wait for. */
export interface LinkWiring {
  masters?: [string | undefined, string | undefined];
  dependsOn?: pulumi.Resource[];
}

export type LinkEnd = InterfaceInfo & { node: string };

/** A cable between two nodes: a veth pair plus the addresses (and shaping) of its ends. */
export class Link extends pulumi.ComponentResource {
  readonly veth: VethLink;
  readonly addresses: IpAddress[] = [];
  readonly shaping: TrafficShaping[] = [];
  readonly ends: [LinkEnd, LinkEnd];

  constructor(name: string, a: LabNode, b: LabNode, o: LinkOptions & LinkWiring, opts: pulumi.ComponentResourceOptions = {}) {
    const restore = programStack(); // the state records the program's frames only
    super("netns-lab:index:Link", name, {}, opts);
    restore();
    const [an, bn] = o.names ?? [`${a.name}-${b.name}`, `${b.name}-${a.name}`];
    this.veth = new VethLink(name, {
      name: an, namespace: a.namespace.name, peerName: bn, peerNamespace: b.namespace.name,
      mtu: o.mtu, offload: o.offload, up: o.up, master: o.masters?.[0], peerMaster: o.masters?.[1],
    }, { parent: this, dependsOn: o.dependsOn });
    const lists = [addressList(o.addresses?.[0]), addressList(o.addresses?.[1])];
    const end = (node: LabNode, ifname: string, peer: LabNode, addrs: string[]): LinkEnd => ({
      node: node.name, name: ifname, peer: peer.name, ...(addrs.length ? { address: addrs[0] } : {}), ...(addrs.length > 1 ? { addresses: addrs } : {}),
      ...(o.up === false ? { down: true as const } : {}),
    });
    this.ends = [end(a, an, b, lists[0]), end(b, bn, a, lists[1])];
    [a, b].forEach((node, side) => {
      const { node: _n, ...info } = this.ends[side];
      node.interfaces.push(info);
      node.linkResources.push(this.veth);
      // The device comes from the veth's outputs, so that replacing the pair replaces what sits on it too.
      const device = side === 0 ? this.veth.name : this.veth.peerName;
      const ifname = side === 0 ? an : bn;
      lists[side].forEach((address, n) => {
        const ip = new IpAddress(`${ifname}-addr${n === 0 ? "" : `-${n + 1}`}`, { namespace: node.namespace.name, device, address }, { parent: this });
        this.addresses.push(ip);
        a.addressResources.push(ip);
        b.addressResources.push(ip);
      });
      if (o.shaping) this.shaping.push(new TrafficShaping(`${ifname}-shaping`, { ...o.shaping, namespace: node.namespace.name, device }, { parent: this }));
    });
    this.registerOutputs({});
  }
}
