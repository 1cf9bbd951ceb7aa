/**
 * The resources users write in a lab program. Each is a Pulumi dynamic resource with a readable type
 * token (pulumi-nodejs:dynamic/netns-lab:<Kind>) whose provider is the thin shim of shim.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { providerFor } from "./shim";

type In<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** The ownership marker every kernel object we make carries: project/stack/resource name. */
function ownerOf(name: string): string {
  return `${pulumi.getProject()}/${pulumi.getStack()}/${name}`;
}

abstract class LabResource extends pulumi.dynamic.Resource {
  constructor(kind: string, name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
    // Kernel names are unique: a replacement must delete the old object before creating the new one.
    super(providerFor(kind), name, { owner: ownerOf(name), ...props }, { deleteBeforeReplace: true, ...opts }, "netns-lab", kind);
  }
}

export interface NetNamespaceArgs {
  /** The namespace's name under /run/netns; defaults to the resource name. */
  name?: string;
}
/** A named network namespace: a host, a router, a switch. */
export class NetNamespace extends LabResource {
  declare readonly name: pulumi.Output<string>;
  /** Inode of /run/netns/<name>: changes if the namespace is deleted and re-added by hand. */
  declare readonly inode: pulumi.Output<number>;
  constructor(name: string, args: In<NetNamespaceArgs> = {}, opts?: pulumi.CustomResourceOptions) {
    super("NetNamespace", name, { name: args.name ?? name, inode: undefined }, opts);
  }
}

export interface Offload {
  rx?: boolean;
  tx?: boolean;
}
export interface VethLinkArgs {
  /** This end's interface name (1-15 bytes). */
  name: string;
  /** Namespace this end is created in. */
  namespace: string;
  peerName: string;
  peerNamespace: string;
  /** MTU of both ends (68-65535); unset: kernel default, not managed. */
  mtu?: number;
  mac?: string;
  peerMac?: string;
  /** Checksum offload of both ends (`ethtool -K dev rx … tx …`); unset: not managed. */
  offload?: Offload;
  /** Both ends administratively up (default true). */
  up?: boolean;
}
/** A veth pair: a cable between two namespaces. */
export class VethLink extends LabResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly namespace: pulumi.Output<string>;
  declare readonly peerName: pulumi.Output<string>;
  declare readonly peerNamespace: pulumi.Output<string>;
  declare readonly mtu: pulumi.Output<number>;
  declare readonly mac: pulumi.Output<string>;
  declare readonly peerMac: pulumi.Output<string>;
  declare readonly up: pulumi.Output<boolean>;
  declare readonly ifindex: pulumi.Output<number>;
  declare readonly peerIfindex: pulumi.Output<number>;
  declare readonly operstate: pulumi.Output<string>;
  constructor(name: string, args: In<VethLinkArgs>, opts?: pulumi.CustomResourceOptions) {
    super("VethLink", name, { ...args, ifindex: undefined, peerIfindex: undefined, operstate: undefined, mac: args.mac, peerMac: args.peerMac, mtu: args.mtu }, opts);
  }
}

export interface IpAddressArgs {
  namespace: string;
  device: string;
  /** Address with prefix length, IPv4 or IPv6: "192.168.1.2/24", "fd00::2/64". */
  address: string;
}
/** An address on an interface. */
export class IpAddress extends LabResource {
  declare readonly namespace: pulumi.Output<string>;
  declare readonly device: pulumi.Output<string>;
  declare readonly address: pulumi.Output<string>;
  constructor(name: string, args: In<IpAddressArgs>, opts?: pulumi.CustomResourceOptions) {
    super("IpAddress", name, { ...args }, opts);
  }
}

export interface IpForwardingArgs {
  namespace: string;
  /** net.ipv4.ip_forward; unset: not managed. */
  ipv4?: boolean;
  /** net.ipv6.conf.all.forwarding; unset: not managed. */
  ipv6?: boolean;
}
/** Packet forwarding in a namespace: what makes it a router. Delete restores the previous values. */
export class IpForwarding extends LabResource {
  declare readonly namespace: pulumi.Output<string>;
  declare readonly ipv4: pulumi.Output<boolean | undefined>;
  declare readonly ipv6: pulumi.Output<boolean | undefined>;
  constructor(name: string, args: In<IpForwardingArgs>, opts?: pulumi.CustomResourceOptions) {
    super("IpForwarding", name, { ...args, previous: undefined }, opts);
  }
}

export interface RouteSpec {
  /** "default" or a network in CIDR form (host bits zero): "192.168.2.0/24", "fd00:2::/64". */
  destination: string;
  /** Gateway address. */
  via?: string;
  /** Outgoing interface. */
  device?: string;
  metric?: number;
}
export interface RouteArgs extends RouteSpec {
  namespace: string;
}
/** One static route. */
export class Route extends LabResource {
  declare readonly namespace: pulumi.Output<string>;
  declare readonly destination: pulumi.Output<string>;
  declare readonly via: pulumi.Output<string | undefined>;
  declare readonly device: pulumi.Output<string | undefined>;
  declare readonly metric: pulumi.Output<number | undefined>;
  constructor(name: string, args: In<RouteArgs>, opts?: pulumi.CustomResourceOptions) {
    super("Route", name, { ...args }, opts);
  }
}

export interface RouteTableArgs {
  namespace: string;
  routes: RouteSpec[];
  /**
   * The namespace's addresses the routes rely on. When one changes, the table is re-applied: the
   * kernel drops every route through a gateway in a subnet whose last address is removed.
   */
  addresses?: string[];
}
/** All static routes of a namespace, applied in one batch; updates touch only changed routes. */
export class RouteTable extends LabResource {
  declare readonly namespace: pulumi.Output<string>;
  declare readonly routes: pulumi.Output<RouteSpec[]>;
  constructor(name: string, args: In<RouteTableArgs>, opts?: pulumi.CustomResourceOptions) {
    super("RouteTable", name, { ...args }, opts);
  }
}
