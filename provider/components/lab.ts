/**
 * Components that make a lab read like its diagram: a Lab holds Hosts and Routers (each a network
 * namespace), joined by Links (a veth pair named `<this>-<other>` at each end, with an address on
 * each end). Everything is a child of the Lab, so `pulumi preview` shows the lab as a tree.
 *
 *   const lab = new Lab("curo");
 *   const h1 = lab.host("host1"), r1 = lab.router("router1");
 *   lab.link(h1, r1, { addresses: ["192.168.1.2/24", "192.168.1.1/24"] });
 *   h1.routes([{ destination: "default", via: "192.168.1.1" }]);
 */
import * as pulumi from "@pulumi/pulumi";
import { IpAddress, IpForwarding, NetNamespace, Offload, RouteSpec, RouteTable, VethLink } from "../resources";
import { handOff, InterfaceInfo, LabDescription, Role } from "./description";

export interface NodeOptions {
  /** Namespace name; defaults to the lab's namespace prefix + the node name. */
  namespace?: string;
}

/** A node of the lab: one network namespace. */
export class LabNode extends pulumi.ComponentResource {
  readonly namespace: NetNamespace;
  /** The namespace name, known at once (for commands and outputs). */
  readonly nsName: string;
  readonly interfaces: InterfaceInfo[] = [];
  private routeTable?: RouteTable;

  constructor(type: string, readonly name: string, readonly role: Role, opts: NodeOptions & pulumi.ComponentResourceOptions = {}) {
    super(`netns-lab:index:${type}`, name, {}, opts);
    this.nsName = opts.namespace ?? name;
    this.namespace = new NetNamespace(name, { name: this.nsName }, { parent: this });
  }

  /** Static routes of this node, installed together (one RouteTable, one batched `ip` call). */
  routes(routes: RouteSpec[], opts: pulumi.CustomResourceOptions = {}): RouteTable {
    if (this.routeTable) throw new Error(`node ${this.name}: routes() was already called; pass all routes at once`);
    const addresses = this.interfaces.map((i) => i.address).filter((a): a is string => !!a);
    this.routeTable = new RouteTable(`${this.name}-routes`, { namespace: this.namespace.name, routes, addresses }, { parent: this, dependsOn: this.dependencies, ...opts });
    return this.routeTable;
  }

  /** Resources a route in this node must wait for: the addresses that make its gateways reachable. */
  readonly dependencies: pulumi.Resource[] = [];
}

export class Host extends LabNode {
  constructor(name: string, opts: NodeOptions & pulumi.ComponentResourceOptions = {}) {
    super("Host", name, "host", opts);
    this.registerOutputs({});
  }
}

export interface RouterOptions extends NodeOptions {
  /** Kernel IPv4 forwarding (default true). false: a plain namespace, e.g. for a user-space router. */
  forwarding?: boolean;
  /** Also forward IPv6 (default false: not managed). */
  ipv6?: boolean;
}

export class Router extends LabNode {
  readonly forwarding?: IpForwarding;
  constructor(name: string, opts: RouterOptions & pulumi.ComponentResourceOptions = {}) {
    super("Router", name, "router", opts);
    if (opts.forwarding !== false) {
      this.forwarding = new IpForwarding(`${name}-forwarding`, {
        namespace: this.namespace.name,
        ipv4: true,
        ...(opts.ipv6 ? { ipv6: true } : {}),
      }, { parent: this });
    }
    this.registerOutputs({});
  }
}

export interface LinkOptions {
  /** Addresses (CIDR) of the a end and the b end; leave one undefined for no address there. */
  addresses?: [string | undefined, string | undefined];
  /** Interface names; default `<a>-<b>` and `<b>-<a>`. */
  names?: [string, string];
  mtu?: number;
  offload?: Offload;
  up?: boolean;
}

/** A link's interface names and addresses, with the defaults filled in: `<a>-<b>`, `<b>-<a>`, none. */
function linkEnds(a: LabNode, b: LabNode, o: LinkOptions): { names: [string, string]; addresses: [string | undefined, string | undefined] } {
  return { names: o.names ?? [`${a.name}-${b.name}`, `${b.name}-${a.name}`], addresses: o.addresses ?? [undefined, undefined] };
}

/** A cable between two nodes: a veth pair plus the addresses on its ends. */
export class Link extends pulumi.ComponentResource {
  readonly veth: VethLink;
  readonly addresses: IpAddress[] = [];
  readonly ends: [InterfaceInfo & { node: string }, InterfaceInfo & { node: string }];

  constructor(name: string, a: LabNode, b: LabNode, o: LinkOptions = {}, opts: pulumi.ComponentResourceOptions = {}) {
    super("netns-lab:index:Link", name, {}, opts);
    const { names: [an, bn], addresses: [aa, ba] } = linkEnds(a, b, o);
    this.veth = new VethLink(name, {
      name: an, namespace: a.namespace.name, peerName: bn, peerNamespace: b.namespace.name,
      mtu: o.mtu, offload: o.offload, up: o.up,
    }, { parent: this });
    this.ends = [
      { node: a.name, name: an, peer: b.name, address: aa },
      { node: b.name, name: bn, peer: a.name, address: ba },
    ];
    for (const [node, ifname, addr] of [[a, an, aa], [b, bn, ba]] as const) {
      node.interfaces.push({ name: ifname, peer: node === a ? b.name : a.name, address: addr });
      if (!addr) continue;
      // The device comes from the veth's outputs, so that replacing the pair replaces its addresses too.
      const device = node === a ? this.veth.name : this.veth.peerName;
      const ip = new IpAddress(`${ifname}-addr`, { namespace: node.namespace.name, device, address: addr }, { parent: this });
      this.addresses.push(ip);
      a.dependencies.push(ip);
      b.dependencies.push(ip);
    }
    this.registerOutputs({});
  }
}

export interface LabOptions {
  /** Prepended to every node's namespace name. */
  namespacePrefix?: string;
  /** Interface name -> address (CIDR) replacing the one the program gives; "" removes it. */
  addressOverrides?: Record<string, string>;
}

/** A whole lab; nodes and links are its children. */
export class Lab extends pulumi.ComponentResource {
  readonly nodes: LabNode[] = [];
  readonly links: Link[] = [];
  private readonly unreachable: Array<[string, string]> = [];

  /** Prepended to every node's namespace name (interface names live inside namespaces and need none). */
  readonly namespacePrefix: string;
  /** Per-interface address overrides, by interface name: what a lab program chose, changed from config. */
  readonly addressOverrides: Record<string, string>;

  constructor(readonly name: string, opts: pulumi.ComponentResourceOptions & LabOptions = {}) {
    const { namespacePrefix, addressOverrides, ...rest } = opts;
    super("netns-lab:index:Lab", name, {}, rest);
    this.namespacePrefix = namespacePrefix ?? "";
    this.addressOverrides = addressOverrides ?? {};
    this.registerOutputs({});
  }

  host(name: string, opts: NodeOptions = {}): Host {
    const h = new Host(name, { namespace: this.namespacePrefix + name, ...opts, parent: this });
    this.nodes.push(h);
    return h;
  }

  router(name: string, opts: RouterOptions = {}): Router {
    const r = new Router(name, { namespace: this.namespacePrefix + name, ...opts, parent: this });
    this.nodes.push(r);
    return r;
  }

  link(a: LabNode, b: LabNode, o: LinkOptions = {}): Link {
    const { names, addresses } = linkEnds(a, b, o);
    const pick = (i: 0 | 1) => (names[i] in this.addressOverrides ? this.addressOverrides[names[i]] || undefined : addresses[i]);
    o = { ...o, names, addresses: [pick(0), pick(1)] };
    const l = new Link(`${a.name}-${b.name}`, a, b, o, { parent: this });
    this.links.push(l);
    return l;
  }

  /** Declares that `a` must not reach `b` (and `b` not `a`): what `netns-lab verify` checks. */
  expectUnreachable(a: LabNode, b: LabNode): void {
    this.unreachable.push([a.name, b.name], [b.name, a.name]);
  }

  /** The lab as data (export it as `description`); also handed to `netns-lab graph --preview`. */
  describe(): LabDescription {
    const d = this.description();
    handOff(d);
    return d;
  }

  /** The lab as data, with no side effect. */
  description(): LabDescription {
    return {
      name: this.name,
      ...(this.unreachable.length ? { expectUnreachable: this.unreachable } : {}),
      nodes: this.nodes.map((n) => ({ name: n.name, role: n.role, namespace: n.nsName, interfaces: n.interfaces })),
      links: this.links.map((l) => ({
        name: `${l.ends[0].node}-${l.ends[1].node}`,
        ends: l.ends.map((e) => ({ node: e.node, interface: e.name, address: e.address })),
      })),
    };
  }
}
