/**
 * Components that make a lab read like its diagram: a Lab holds Hosts, Routers and Switches (each a
 * network namespace), joined by Links (a veth pair named `<this>-<other>` at each end, with the
 * addresses of each end) and LANs (a Switch's bridge with a cable to each member). Everything is a
 * child of the Lab, so `pulumi preview` shows the lab as a tree.
 *
 *   const lab = new Lab("curo");
 *   const h1 = lab.host("host1"), r1 = lab.router("router1");
 *   lab.link(h1, r1, { addresses: ["192.168.1.2/24", "192.168.1.1/24"] });
 *   h1.routes([{ destination: "default", via: "192.168.1.1" }]);
 */
import { checkOptions, RESOURCE_OPTIONS } from "./options";
import { overlappingSubnets } from "./checks";
import * as pulumi from "@pulumi/pulumi";
import { Addresses, Link, LinkOptions, Shaping } from "./link";
import { handOff, LabDescription, MachineInfo } from "./description";
import { Host, LabContext, LabNode, NodeOptions, Router, RouterOptions, Switch } from "./node";
import { programStack } from "../shim";
import { Machine, machineOf } from "../machine";

/** Options of a `Lab` (besides a component's own). */
export interface LabOptions {
  /** Prepended to every node's namespace name. */
  namespacePrefix?: string;
  /** Interface name -> address (CIDR) replacing the one the program gives; "" removes it. */
  addressOverrides?: Record<string, string>;
  /** A hosts file in every node naming every node's addresses (default true). */
  hosts?: boolean;
  /**
   * Let a cable take over an interface name another cable of this lab holds (that cable is removed
   * in the same update: the lab refuses two cables claiming one interface), and make what sits on a
   * device (addresses, shaping) again on the device made anew. For labs whose edits move interface
   * names between cables (`netlab()` sets it: netlab numbers interfaces in link order). Default off:
   * a cable renamed with its interface names kept then fails with ClaimedError until the old one is
   * gone, and cables carry no such input (a smaller state, no change to stacks made before).
   */
  supersede?: boolean;
}

/**
 * Another machine a lab spans, reached over SSH (user default root; key default the agent and your
 * ~/.ssh keys; hostKey "ssh-ed25519 AAAA…" pinned, default your known_hosts, new hosts accepted).
 */
export type MachineOptions = Machine & {
  /** Its address on the network between the machines, where VXLAN tunnels end (default: host, if an IP address). */
  address?: string;
};

/** Options of `lab.lan()`: what every member cable of the LAN gets. */
export interface LanOptions {
  /** The machine of the LAN's switch (default: this one). Members elsewhere reach it by VXLAN. */
  machine?: MachineInfo;
  /** The MTU of the bridge and of every member cable. */
  mtu?: number;
  /** Checksum offload of the member cables' ends (rx, tx). */
  offload?: LinkOptions["offload"];
  /** Shaping of every member cable (both ends). */
  shaping?: Shaping;
}

/** A whole lab; nodes and links are its children. */
export class Lab extends pulumi.ComponentResource {
  /** Its nodes, in the order declared. */
  readonly nodes: LabNode[] = [];
  /** Its cables, in the order declared (LAN member cables included). */
  readonly links: Link[] = [];
  private readonly unreachable: Array<[string, string]> = [];
  /** Set by `netlab()`: netlab's work directory, recorded in the description for `netns-lab validate`. */
  netlabWorkDir?: string;
  /** Prepended to every node's namespace name (interface names live inside namespaces and need none). */
  readonly namespacePrefix: string;
  /** Per-interface address overrides, by interface name: what a lab program chose, changed from config. */
  readonly addressOverrides: Record<string, string>;
  private readonly ctx: LabContext;
  /** Whether its cables take over interface names (LabOptions.supersede). */
  private readonly supersede: boolean;
  private readonly machines = new Map<string, MachineInfo>();
  private readonly vnis = new Map<number, string>();

  /**
   * @param name the lab's name (its component's)
   * @param opts the namespace prefix, address overrides, hosts files, and the component's options
   */
  constructor(
    /** The lab's name. */
    readonly name: string,
    opts: pulumi.ComponentResourceOptions & LabOptions = {},
  ) {
    checkOptions(`new Lab("${name}")`, "LabOptions", opts, RESOURCE_OPTIONS);
    const { namespacePrefix, addressOverrides, hosts, supersede, ...rest } = opts;
    const restore = programStack(); // the state records the program's frames only
    super("netns-lab:index:Lab", name, {}, rest);
    restore();
    this.namespacePrefix = namespacePrefix ?? "";
    this.addressOverrides = addressOverrides ?? {};
    this.supersede = supersede ?? false;
    // Routes, NAT and hosts files take what the whole lab declares: they wait until the program's
    // declarations settle (an event-loop turn with no change to the lab), whatever the order of its lines.
    let dirty = true;
    let settledAt = false;
    const settled = new Promise<void>((resolve) => {
      const check = () => (dirty ? ((dirty = false), setImmediate(check)) : ((settledAt = true), resolve()));
      setImmediate(check);
    });
    // Once settled: interfaces of one node in overlapping subnets, a warning naming both (the kernel takes them silently).
    void settled.then(() => {
      for (const n of this.nodes) for (const w of overlappingSubnets(n.name, n.interfaces)) pulumi.log.warn(`lab ${name}: ${w}`, this);
    });
    this.ctx = {
      settled,
      hostEntries: () => (hosts === false ? undefined : this.hostEntries()),
      touch: () => {
        dirty = true;
        if (settledAt) pulumi.log.warn(`lab ${name}: changed after its declaration settled; routes, NAT and hosts files were computed before it (declare the lab before awaiting anything)`, this);
      },
    };
    this.registerOutputs({});
  }

  private add<T extends LabNode>(n: T): T {
    this.nodes.push(n);
    this.ctx.touch();
    return n;
  }

  /** An end host: its namespace `<namespacePrefix><name>`. */
  host(name: string, opts: NodeOptions = {}): Host {
    checkOptions(`lab.host("${name}")`, "NodeOptions", opts);
    if (typeof opts.filesystem === "object") checkOptions(`lab.host("${name}") filesystem`, "NodeFilesystemOptions", opts.filesystem);
    return this.add(new Host(name, this.ctx, { namespace: this.namespacePrefix + name, ...opts, parent: this }));
  }

  /** A router: its namespace `<namespacePrefix><name>`, kernel forwarding on unless `forwarding: false`. */
  router(name: string, opts: RouterOptions = {}): Router {
    checkOptions(`lab.router("${name}")`, "RouterOptions", opts);
    if (typeof opts.filesystem === "object") checkOptions(`lab.router("${name}") filesystem`, "NodeFilesystemOptions", opts.filesystem);
    return this.add(new Router(name, this.ctx, { namespace: this.namespacePrefix + name, ...opts, parent: this }));
  }

  /**
   * A cable between two nodes, named `<a>-<b>`; given interface `names`, named from them instead
   * (`<nameA>-<nameB>`), so that two cables between the same pair are two links.
   */
  link(a: LabNode, b: LabNode, o: LinkOptions = {}): Link {
    checkOptions(`lab.link(${a?.name}, ${b?.name})`, "LinkOptions", o);
    // Interface names repeat across nodes (eth0 on every host): a second cable named from the same
    // pair of names is named from its nodes too (the first keeps the name it always had).
    const plain = o.names ? `${o.names[0]}-${o.names[1]}` : `${a.name}-${b.name}`;
    const named = o.names && this.links.some((l) => l.linkName === plain) ? `${a.name}.${o.names[0]}-${b.name}.${o.names[1]}` : plain;
    return this.cable(o.name ?? named, a, b, o);
  }

  /**
   * A LAN segment: a switch node (namespace `<prefix><name>`, role switch) holding a bridge named
   * `<name>`; each member gets a cable whose end `<member>-<name>` carries its addresses and whose
   * other end `<name>-<member>` is a port of the bridge.
   */
  /**
   * Another machine the lab spans: nodes placed on it (`{ machine }` on host, router, lan) are made
   * there over SSH, and a link between nodes on different machines becomes a VXLAN tunnel.
   */
  machine(name: string, o: MachineOptions): MachineInfo {
    if (this.machines.has(name)) throw new Error(`lab ${this.name}: machine ${name} is declared twice`);
    const address = o.address ?? (/^[0-9.]+$|:/.test(o.host) ? o.host : undefined);
    if (!address) throw new Error(`lab ${this.name}: machine ${name}: give its address (the underlay IP that VXLAN tunnels end on); host "${o.host}" is a name`);
    const m: MachineInfo = { name, ...machineOf(o), address };
    this.machines.set(name, m);
    return m;
  }

  /**
   * The VNI of a link between machines: from a hash of its ends (namespace and interface names,
   * 1-16777215), so it stays the same whatever else the lab declares and differs between two copies
   * of a lab (their namespace prefixes differ); the next free one on a collision within the lab.
   */
  private vniFor(link: string): number {
    let h = 0x811c9dc5;
    for (const ch of link) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    let vni = (h % 16777214) + 1;
    while (this.vnis.has(vni) && this.vnis.get(vni) !== link) vni = (vni % 16777214) + 1;
    this.vnis.set(vni, link);
    return vni;
  }

  /**
   * A LAN: a switch node (a namespace holding a bridge named `name`) and one cable from each member
   * to it, the member's end given its addresses.
   */
  lan(name: string, members: Array<[LabNode, Addresses]>, opts: LanOptions = {}): Switch {
    checkOptions(`lab.lan("${name}")`, "LanOptions", opts);
    const seen = new Set<LabNode>();
    for (const [m] of members) {
      if (seen.has(m)) throw new Error(`lan ${name}: ${m.name} is a member twice; give it one entry with all its addresses`);
      seen.add(m);
    }
    const sw = this.add(new Switch(name, this.ctx, { namespace: this.namespacePrefix + name, mtu: opts.mtu, machine: opts.machine, parent: this }));
    for (const [m, addrs] of members) {
      this.cable(`${m.name}-${name}`, m, sw, { ...opts, addresses: [addrs, undefined], masters: [undefined, name] });
    }
    return sw;
  }

  private cable(name: string, a: LabNode, b: LabNode, o: LinkOptions & ConstructorParameters<typeof Link>[3]): Link {
    const names: [string, string] = o.names ?? [`${a.name}-${b.name}`, `${b.name}-${a.name}`];
    const pick = (i: 0 | 1): Addresses => (names[i] in this.addressOverrides ? this.addressOverrides[names[i]] || undefined : o.addresses?.[i]);
    const across = (a.machine?.name ?? "") !== (b.machine?.name ?? "");
    // A VNI is unique among a machine's VXLAN devices: derived from the ends' namespaces, which are.
    if (this.links.some((l) => l.linkName === name)) throw new Error(`lab ${this.name}: two cables are named "${name}": give one another name (the link option name)`);
    // No two cables of a lab claim one interface: so a cable may take over an interface name another
    // cable of this stack held (one this update removes: a link moved, or renumbered by netlab).
    for (const [node, ifname] of [[a, names[0]], [b, names[1]]] as const) {
      if (node.interfaces.some((i) => i.name === ifname)) throw new Error(`lab ${this.name}: ${node.name} has two interfaces named "${ifname}" (cable "${name}" and another): give one another name`);
    }
    const l = new Link(name, a, b, { ...o, names, namedEnds: o.names !== undefined, supersede: this.supersede, addresses: [pick(0), pick(1)], ...(across ? { vni: this.vniFor(`${a.nsName}/${names[0]}:${b.nsName}/${names[1]}`) } : {}) }, { parent: this });
    this.links.push(l);
    this.ctx.touch();
    return l;
  }

  /**
   * Declares that `a` must not reach `b`, what `netns-lab verify` checks: a node (and then `b` must
   * not reach `a` either, unless `oneWay`), or a network, whose addresses `a` must not reach (a
   * private LAN behind NAT, say).
   */
  expectUnreachable(a: LabNode, b: LabNode | string, opts: { oneWay?: boolean } = {}): void {
    if (typeof b === "string") this.unreachable.push([a.name, b]);
    else this.unreachable.push([a.name, b.name], ...(opts.oneWay ? [] : [[b.name, a.name] as [string, string]]));
  }

  /**
   * Addresses of a node's interface that something else configures (a containerlab exec line,
   * FRR's configuration, netlab's scripts): recorded for the description (verify pings them), no
   * resource made. Added to those the interface has; an interface the node lacks is skipped.
   */
  noteAddresses(node: LabNode, ifname: string, cidrs: string[]): void {
    const info = node.interfaces.find((x) => x.name === ifname);
    if (!info || !cidrs.length) return;
    info.addresses = [...(info.addresses ?? (info.address ? [info.address] : [])), ...cidrs];
    info.address = info.addresses[0];
    for (const link of this.links) {
      for (const e of link.ends) if (e.node === node.name && e.name === ifname) Object.assign(e, { address: info.address, addresses: info.addresses.length > 1 ? info.addresses : undefined });
    }
  }

  /** Name -> addresses (without prefix length) of every node that has one, loopbacks first. */
  hostEntries(): Record<string, string[]> {
    const entries: Record<string, string[]> = {};
    for (const n of this.nodes) {
      const addrs = n.addresses().map((c) => c.split("/")[0]);
      if (addrs.length) entries[n.name] = addrs;
    }
    return entries;
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
      ...(this.netlabWorkDir ? { netlab: { workDir: this.netlabWorkDir } } : {}),
      nodes: this.nodes.map((n) => ({
        name: n.name, role: n.role, namespace: n.nsName, interfaces: n.interfaces, ...(n.machine ? { machine: n.machine } : {}), ...(n.filesystem ? { filesystem: true } : {}), ...(n.hostname ? { hostname: n.hostname } : {}),
        ...(n.natRules.length ? { nat: n.natRules } : {}), ...(n.processes.length ? { processes: n.processes } : {}),
      })),
      links: this.links.map((l) => ({
        name: l.linkName,
        ends: l.ends.map((e) => ({ node: e.node, interface: e.name, ...(e.address ? { address: e.address } : {}), ...(e.addresses ? { addresses: e.addresses } : {}) })),
      })),
    };
  }
}

