/** A lab's nodes: each a network namespace, with its routes, NAT, loopback addresses and hosts file. */
import { checkOptions } from "./options";
import { unreachableGateways } from "./checks";
import * as pulumi from "@pulumi/pulumi";
import { Bridge, File, HostsFile, IpAddress, IpForwarding, Nat, NetNamespace, NodeFilesystem, Process, ProcessArgs, RouteSpec, RouteTable } from "../resources";
import { addressesOf, InterfaceInfo, MachineInfo, machineSpec, NatInfo, ProcessInfo, Role } from "./description";
import { programStack } from "../shim";
import type { Machine } from "../machine";

/** What a node asks of its lab: when every declaration is in, and the names for its hosts file. */
export interface LabContext {
  /** Resolves once the program has declared the whole lab (its synchronous part ended). */
  readonly settled: Promise<void>;
  /** Name -> addresses of every node, loopbacks first (undefined: the lab writes no hosts files). */
  hostEntries(): Record<string, string[]> | undefined;
  /** Records that the lab changed (a node, a link, an address): settling waits for quiet. */
  touch(): void;
}

/** How `node.run()` starts a program in a node: a Process's inputs, less what the node gives. */
export interface RunOptions extends Omit<ProcessArgs, "namespace" | "command" | "hostname" | "after"> {
  /** Programs of this node (their run() names) it starts after, e.g. ospfd after zebra. */
  after?: string | string[];
  /** Its own host name: a name, or true for the node's name. */
  hostname?: string | true;
  /** Files it needs, written before it starts: path -> content (or content and mode). */
  files?: Record<
    string,
    | string
    | {
        /** The file's text. */
        content: string;
        /** Its permission bits, e.g. 0o755 (default 0o644). */
        mode?: number;
      }
  >;
}

/** Options of every node (`lab.host()`, `lab.router()`, `lab.lan()`). */
export interface NodeOptions {
  /** Namespace name; defaults to the lab's namespace prefix + the node name. */
  namespace?: string;
  /** The machine the node lives on (`lab.machine(…)`); default: this one. */
  machine?: MachineInfo;
  /**
   * A filesystem view of its own, as a container has (a NodeFilesystem): its own /etc, /root, /var
   * (copy-on-write over this machine's), an empty /tmp and /run; `binds` show files or directories
   * of this machine at paths of the node's (containerlab's `host:path[:ro]`). What the node runs
   * (`run()`, `netns-lab exec`) sees that view; this machine's files are never written.
   */
  filesystem?: true | NodeFilesystemOptions;
  /**
   * Any value: when it differs from the last `up`'s, the node is made anew — its namespace replaced,
   * and with it everything in it (its cables, addresses, programs and commands, which run again on
   * the fresh node), as containerlab recreates a node whose exec, env, binds or cmd changed. Pulumi's
   * `replacementTrigger` on the namespace; a node made before it was given is not replaced for it.
   */
  recreateOn?: pulumi.Input<unknown>;
  /** Resources made before its namespace (containerlab's `stages: create: wait-for`). */
  waitsFor?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** A node's own filesystem view: what of this machine it sees at paths of its own. */
export interface NodeFilesystemOptions {
  /** Files or directories of this machine the node sees at paths of its own. */
  binds?: FilesystemBind[];
  /** A host name of its own, as a container has (`true`: the node's name); default: this machine's. */
  hostname?: string | true;
}

/** One bind of a node's filesystem view (containerlab's `host:path[:ro]`). */
export interface FilesystemBind {
  /** The file or directory on this machine (absolute). */
  source: string;
  /** Where the node sees it (absolute). */
  target: string;
  /** Read-only in the node. */
  readOnly?: boolean;
}

/**
 * The `machine` input of a resource on this machine-or-other (nothing for this machine).
 * @param m the machine, as `lab.machine()` made it; undefined for this one
 */
export const onMachine = (m: MachineInfo | undefined): OnMachine => (m ? { machine: machineSpec(m) } : {});

/** What `onMachine` gives: the `machine` input, when not this machine. */
export interface OnMachine {
  /** The machine, as every resource's `machine` input takes it. */
  machine?: Machine;
}

/** A node of the lab: one network namespace. */
export class LabNode extends pulumi.ComponentResource {
  /** Its NetNamespace resource. */
  readonly namespace: NetNamespace;
  /** The namespace name, known at once (for commands and outputs). */
  readonly nsName: string;
  /** Its interfaces so far (each link adds one): what `describe()` reports. */
  readonly interfaces: InterfaceInfo[] = [];
  /** Its NAT rules (routers: `nat()`). */
  readonly natRules: NatInfo[] = [];
  /** The programs it runs (`run()`). */
  readonly processes: ProcessInfo[] = [];
  /** The addresses of this node (and of its links' other ends). */
  readonly addressResources: pulumi.Resource[] = [];
  /** The cables of this node. */
  readonly linkResources: pulumi.Resource[] = [];
  /** The Process of each run() name. */
  private readonly runs = new Map<string, Process>();
  private routeTable?: RouteTable;
  /** The machine it lives on (undefined: this one). */
  readonly machine?: MachineInfo;
  /** Its own filesystem view (NodeFilesystem), if it has one. */
  readonly filesystem?: NodeFilesystem;
  /** Its own host name (its filesystem view's), if it has one. */
  readonly hostname?: string;
  /** Spread into the inputs of every resource of this node: `{ machine }`, or nothing on this machine. */
  get on(): OnMachine {
    return onMachine(this.machine);
  }

  /**
   * @param type the component's type (`Host`, `Router`, `Switch`)
   * @param name the node's name in the lab
   * @param role what it is: host, router or switch
   * @param lab the lab it belongs to
   * @param opts its namespace name, its machine, and the component's options
   */
  constructor(
    type: string,
    /** The node's name in the lab. */
    readonly name: string,
    /** What it is: host, router or switch. */
    readonly role: Role,
    /** The lab it belongs to. */
    protected readonly lab: LabContext,
    opts: NodeOptions & pulumi.ComponentResourceOptions = {},
  ) {
    const restore = programStack(); // the state records the program's frames only
    super(`netns-lab:index:${type}`, name, {}, opts);
    restore();
    this.nsName = opts.namespace ?? name;
    this.machine = opts.machine;
    this.namespace = new NetNamespace(name, { name: this.nsName, ...this.on }, { parent: this, ...(opts.recreateOn !== undefined ? { replacementTrigger: opts.recreateOn } : {}), ...(opts.waitsFor ? { dependsOn: opts.waitsFor } : {}) });
    if (opts.filesystem) {
      const binds = opts.filesystem === true ? [] : (opts.filesystem.binds ?? []);
      const h = opts.filesystem === true ? undefined : opts.filesystem.hostname;
      this.hostname = h === true ? name : h;
      this.filesystem = new NodeFilesystem(`${name}-fs`, { namespace: this.namespace.name, binds, ...(this.hostname ? { hostname: this.hostname } : {}), ...this.on }, { parent: this });
    }
    const entries = lab.hostEntries();
    if (entries) {
      // Every node's names, known once the whole lab is declared.
      new HostsFile(`${name}-hosts`, { namespace: this.namespace.name, entries: lab.settled.then(() => lab.hostEntries()!), ...this.on }, { parent: this });
    }
  }

  /** Every address of this node, loopbacks first. */
  addresses(): string[] {
    const lo = this.interfaces.filter((i) => i.name === "lo");
    return [...lo, ...this.interfaces.filter((i) => i.name !== "lo")].flatMap(addressesOf);
  }

  /**
   * Static routes of this node, installed together (one RouteTable, one batched `ip` call); the
   * addresses that make their gateways reachable are made first (the gateways are its needs).
   */
  routes(routes: RouteSpec[], opts: pulumi.CustomResourceOptions = {}): RouteTable {
    if (this.routeTable) throw new Error(`node ${this.name}: routes() was already called; pass all routes at once`);
    const ready = this.lab.settled;
    this.routeTable = new RouteTable(
      `${this.name}-routes`,
      {
        namespace: this.namespace.name,
        routes,
        // Every address is the program's constant: a gateway none of them reaches is refused now, before anything is made.
        addresses: quietly(
          ready.then(() => {
            const addrs = this.interfaces.filter((i) => i.name !== "lo").flatMap(addressesOf);
            const bad = unreachableGateways(this.name, routes, addrs);
            // The user's own mistake: the route table's input fails, and with it the preview (so
            // `up` makes nothing). (pulumi.log.error alone would not stop the preview.)
            if (bad.length) throw new pulumi.RunError(bad.join("; "));
            return addrs;
          }),
        ),
        ...this.on,
      },
      { parent: this, ...opts },
    );
    return this.routeTable;
  }

  /**
   * A program running in this node (a routing daemon, a user-space router, a server), started only
   * once what lives in the node (links, addresses, routes), the files it needs and the programs it
   * comes `after` exist, whatever the order of the program's lines (they are the Process's needs).
   * Foreground programs only: run daemons with their "do not fork" flag. `resourceOptions` are the
   * Process's own (its dependsOn is added to the files it needs).
   */
  run(name: string, command: string[], opts: RunOptions = {}, resourceOptions: pulumi.CustomResourceOptions = {}): Process {
    checkOptions(`${this.name}.run("${name}")`, "RunOptions", opts);
    const { files, hostname, after, ...rest } = opts;
    const made = Object.entries(files ?? {}).map(([path, f], n) =>
      new File(`${this.name}-${name}-file${n ? `-${n + 1}` : ""}`, { path, ...(typeof f === "string" ? { content: f } : f), ...this.on }, { parent: this }),
    );
    this.processes.push({ name, resource: `${this.name}-${name}`, command });
    const afterNames = (typeof after === "string" ? [after] : (after ?? [])).map((n) => {
      if (!this.runs.has(n)) throw new Error(`node ${this.name}: run("${name}") comes after "${n}", which this node does not run (yet): declare "${n}" first`);
      return `${this.name}-${n}`;
    });
    // Its files are written before it starts: they are its own, whether or not its command names them.
    const p = new Process(
      `${this.name}-${name}`,
      { ...(this.filesystem ? { filesystem: true } : {}), ...rest, namespace: this.namespace.name, command, hostname: hostname === true ? this.name : hostname, ...(afterNames.length ? { after: afterNames } : {}), ...this.on },
      { parent: this, ...resourceOptions, dependsOn: [...made, ...[resourceOptions.dependsOn ?? []].flat()] as pulumi.Input<pulumi.Resource>[] },
    );
    this.runs.set(name, p);
    return p;
  }

  /** Addresses on the loopback (`lo`): a router ID, a service address. */
  loopback(cidrs: string | string[]): IpAddress[] {
    const list = typeof cidrs === "string" ? [cidrs] : cidrs;
    let lo = this.interfaces.find((i) => i.name === "lo");
    if (!lo) this.interfaces.push((lo = { name: "lo", peer: "", addresses: [] }));
    const made = list.map((cidr) => {
      const n = lo!.addresses!.push(cidr);
      lo!.address = lo!.addresses![0];
      return new IpAddress(`${this.name}-lo-addr${n === 1 ? "" : `-${n}`}`, { namespace: this.namespace.name, device: "lo", address: cidr, ...this.on }, { parent: this });
    });
    this.addressResources.push(...made);
    this.lab.touch();
    return made;
  }
}

/** An end host: a namespace with addresses and routes, no forwarding. */
export class Host extends LabNode {
  constructor(name: string, lab: LabContext, opts: NodeOptions & pulumi.ComponentResourceOptions = {}) {
    super("Host", name, "host", lab, opts);
    this.registerOutputs({});
  }
}

/** Options of `lab.router()`. */
export interface RouterOptions extends NodeOptions {
  /** Kernel IPv4 forwarding (default true). false: a plain namespace, e.g. for a user-space router. */
  forwarding?: boolean;
  /** Also forward IPv6 (default false: not managed). */
  ipv6?: boolean;
}

/** A source NAT rule of a router (`router.nat()`). */
export interface NatOptions {
  /** The network to translate, e.g. 192.168.1.0/24. */
  source: string;
  /** The interface its packets leave by. */
  out: string;
  /** SNAT to this address; unset: masquerade. */
  to?: string;
}

/** A router: a namespace that forwards (kernel forwarding on, unless asked otherwise). */
export class Router extends LabNode {
  /** Its IpForwarding resource (absent with `forwarding: false`). */
  readonly forwarding?: IpForwarding;
  constructor(name: string, lab: LabContext, opts: RouterOptions & pulumi.ComponentResourceOptions = {}) {
    super("Router", name, "router", lab, opts);
    if (opts.forwarding !== false) {
      this.forwarding = new IpForwarding(`${name}-forwarding`, { namespace: this.namespace.name, ipv4: true, ...(opts.ipv6 ? { ipv6: true } : {}), ...this.on }, { parent: this });
    }
    this.registerOutputs({});
  }

  /** Source NAT of `source` leaving by `out` (masquerade, or SNAT to `to`), once that interface is there (its need). */
  nat(o: NatOptions): Nat {
    checkOptions(`${this.name}.nat()`, "NatOptions", o);
    this.natRules.push({ source: o.source, out: o.out, ...(o.to ? { to: o.to } : {}) });
    const n = this.natRules.length;
    return new Nat(`${this.name}-nat${n === 1 ? "" : `-${n}`}`, { namespace: this.namespace.name, source: o.source, outInterface: o.out, to: o.to, ...this.on }, { parent: this });
  }
}

/** A LAN segment: a namespace holding one bridge; members join it by a veth pair each. */
export class Switch extends LabNode {
  /** The LAN's bridge, in the switch's namespace. */
  readonly bridge: Bridge;
  constructor(name: string, lab: LabContext, opts: NodeOptions & { mtu?: number } & pulumi.ComponentResourceOptions = {}) {
    super("Switch", name, "switch", lab, opts);
    this.bridge = new Bridge(`${name}-bridge`, { namespace: this.namespace.name, name, mtu: opts.mtu, ...this.on }, { parent: this });
    this.registerOutputs({});
  }
}

/** The promise itself, marked as handled now: its rejection is the SDK's to report (when it takes the input), not an unhandled one meanwhile. */
function quietly<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
