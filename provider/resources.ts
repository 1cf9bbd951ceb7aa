/**
 * The resources users write in a lab program, one class per kind, typed from the kind's own schema
 * (kinds/<kind>.ts): what a program may pass is the schema's input type, what it can read back is
 * the inputs plus the kind's outputs. Each is a Pulumi dynamic resource: the type token
 * pulumi-nodejs:dynamic/netns-lab:<Kind>, served by Pulumi's dynamic-provider process, with the
 * one-line `__provider` of shim.ts (not the closure serializer's text: see there).
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { ArgsOf, InputsOf, Kind } from "./kinds/kind";
import { KindName, kinds } from "./runtime";
import { programStack, providerText } from "./shim";
import { declare } from "./registry";

export type { RouteSpec } from "./kernel/route";
export type { Machine } from "./machine";
import type { Machine } from "./machine";
export type { Offload } from "./kernel/link";

type KindOf<K extends KindName> = (typeof kinds)[K];
type ShapeOf<K extends KindName> = KindOf<K> extends Kind<infer S, any> ? S : never;
type OutputsOf<K extends KindName> = KindOf<K> extends Kind<any, infer O> ? O : never;

/** Every field may be a value or an Output of one (optional fields stay optional). */
export type Inputs<T> = { [P in keyof T]: pulumi.Input<T[P]> };
/** What a program passes to the resource of kind K: its fields, and the machine it lives on (absent: this one). */
export type ArgsFor<K extends KindName> = Inputs<ArgsOf<ShapeOf<K>>> & {
  /** The machine it lives on, reached over SSH (absent: this one). A change replaces it. */
  machine?: pulumi.Input<Machine>;
};
/** What a resource of kind K exposes: its inputs (with defaults) and what the kernel reports. */
export type OutputsFor<K extends KindName> = {
  readonly [P in keyof (Omit<InputsOf<ShapeOf<K>>, "owner"> & OutputsOf<K>)]-?: pulumi.Output<(InputsOf<ShapeOf<K>> & OutputsOf<K>)[P]>;
};
/** Kinds whose name input defaults to the resource's name (`new NetNamespace("h1")`). */
type Named = "NetNamespace";
type GivenArgs<K extends KindName> = K extends Named ? Partial<ArgsFor<K>> : ArgsFor<K>;
type Params<K extends KindName> = {} extends GivenArgs<K>
  ? [args?: GivenArgs<K>, opts?: pulumi.CustomResourceOptions]
  : [args: GivenArgs<K>, opts?: pulumi.CustomResourceOptions];
/** The class of the resources of kind K: `new NetNamespace(name, args?, opts?)`. */
export type ResourceClass<K extends KindName> = new (name: string, ...rest: Params<K>) => pulumi.CustomResource & OutputsFor<K>;

/** The ownership marker every kernel object we make carries: project/stack/resource name. */
const ownerOf = (name: string): string => `${pulumi.getProject()}/${pulumi.getStack()}/${name}`;

function resourceClass<K extends KindName>(kind: K): ResourceClass<K> {
  const k = kinds[kind] as Kind;
  const def = k.def;
  // Every input and output key is passed (undefined until known) so that it becomes an Output property.
  const keys = [...Object.keys(def.inputs), ...Object.keys(def.outputs), "machine"];
  class LabResource extends pulumi.CustomResource {
    constructor(name: string, args: Record<string, unknown> = {}, opts?: pulumi.CustomResourceOptions) {
      const props: Record<string, unknown> = { ...Object.fromEntries(keys.map((k) => [k, undefined])), ...args };
      if (def.nameInput && props[def.nameInput] === undefined) props[def.nameInput] = name;
      props.owner = ownerOf(name);
      // Ordered by what it needs: the resources that make it become its dependencies (registry.ts).
      const noted = declare(kind, k, name, props, opts);
      const restore = programStack();
      try {
        // Kernel names are unique: a replacement must delete the old object before creating the new one.
        super(`pulumi-nodejs:dynamic/netns-lab:${kind}`, name, { ...props, __provider: providerText(kind) }, { deleteBeforeReplace: true, ...opts, ...noted.options });
      } finally {
        restore();
      }
      noted.attach(this);
    }
  }
  return LabResource as unknown as ResourceClass<K>;
}

/** A named network namespace: a host, a router, a switch. `name` defaults to the resource name. */
export const NetNamespace = resourceClass("NetNamespace");
export type NetNamespace = InstanceType<typeof NetNamespace>;
/** The inputs of a NetNamespace: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NetNamespaceArgs extends ArgsFor<"NetNamespace"> {}

/** A veth pair: a cable between two namespaces, each end born in its namespace. */
export const VethLink = resourceClass("VethLink");
export type VethLink = InstanceType<typeof VethLink>;
/** The inputs of a VethLink: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface VethLinkArgs extends ArgsFor<"VethLink"> {}

/** An address (CIDR, IPv4 or IPv6) on an interface. */
export const IpAddress = resourceClass("IpAddress");
export type IpAddress = InstanceType<typeof IpAddress>;
/** The inputs of a IpAddress: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface IpAddressArgs extends ArgsFor<"IpAddress"> {}

/** Packet forwarding in a namespace: what makes it a router. Delete restores the previous values. */
export const IpForwarding = resourceClass("IpForwarding");
export type IpForwarding = InstanceType<typeof IpForwarding>;
/** The inputs of a IpForwarding: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface IpForwardingArgs extends ArgsFor<"IpForwarding"> {}

/** One static route. */
export const Route = resourceClass("Route");
export type Route = InstanceType<typeof Route>;
/** The inputs of a Route: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface RouteArgs extends ArgsFor<"Route"> {}

/** All static routes of a namespace, applied in one batch; updates touch only changed routes. */
export const RouteTable = resourceClass("RouteTable");
export type RouteTable = InstanceType<typeof RouteTable>;
/** The inputs of a RouteTable: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface RouteTableArgs extends ArgsFor<"RouteTable"> {}

/** A Linux bridge: a LAN segment; VethLink ends join it through `master`/`peerMaster`. */
export const Bridge = resourceClass("Bridge");
export type Bridge = InstanceType<typeof Bridge>;
/** The inputs of a Bridge: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface BridgeArgs extends ArgsFor<"Bridge"> {}

/** Source NAT (masquerade, or SNAT to `to`) out of one interface, with nftables. */
export const Nat = resourceClass("Nat");
export type Nat = InstanceType<typeof Nat>;
/** The inputs of a Nat: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NatArgs extends ArgsFor<"Nat"> {}

/** A device's root qdisc: tbf for a rate, netem for delay, jitter and loss. */
export const TrafficShaping = resourceClass("TrafficShaping");
export type TrafficShaping = InstanceType<typeof TrafficShaping>;
/** The inputs of a TrafficShaping: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface TrafficShapingArgs extends ArgsFor<"TrafficShaping"> {}

/** /etc/netns/<namespace>/hosts: names that resolve inside the namespace. */
export const HostsFile = resourceClass("HostsFile");
export type HostsFile = InstanceType<typeof HostsFile>;
/** The inputs of a HostsFile: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface HostsFileArgs extends ArgsFor<"HostsFile"> {}

/** A node's own filesystem view (its own /etc, /root, /var, /tmp, /run, /sys; binds), as a container has. */
export const NodeFilesystem = resourceClass("NodeFilesystem");
export type NodeFilesystem = InstanceType<typeof NodeFilesystem>;
/** The inputs of a NodeFilesystem: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NodeFilesystemArgs extends ArgsFor<"NodeFilesystem"> {}

/** A program running detached in a namespace (a daemon, a user-space router), watched as state. */
export const Process = resourceClass("Process");
export type Process = InstanceType<typeof Process>;
/** The inputs of a Process: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ProcessArgs extends ArgsFor<"Process"> {}

/** A file the lab needs (a daemon's configuration): refused where another file is, drift when edited. */
export const File = resourceClass("File");
export type File = InstanceType<typeof File>;
/** The inputs of a File: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface FileArgs extends ArgsFor<"File"> {}

/** One end of a cable between machines: a VXLAN device in a node's namespace, over the machine's network. */
export const VxlanLink = resourceClass("VxlanLink");
export type VxlanLink = InstanceType<typeof VxlanLink>;
/** The inputs of a VxlanLink: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface VxlanLinkArgs extends ArgsFor<"VxlanLink"> {}

/** A node's interface on a network of the machine: a macvlan device on a root-namespace interface (its parent), born in the node's namespace. */
export const MacvlanLink = resourceClass("MacvlanLink");
export type MacvlanLink = InstanceType<typeof MacvlanLink>;
/** The inputs of a MacvlanLink: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface MacvlanLinkArgs extends ArgsFor<"MacvlanLink"> {}

/**
 * Argument arrays run in a node's namespace at create (`create`), on a change (`update`, else it is
 * replaced) and at delete (`delete`), like pulumi-command's local.Command; stdout and stderr as
 * outputs; a non-zero exit fails the step, quoting the output. containerlab's `exec` lines are these.
 */
export const Command = resourceClass("Command");
export type Command = InstanceType<typeof Command>;
/** The inputs of a Command: each field a value or an Output of one. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface CommandArgs extends ArgsFor<"Command"> {}

/** The zod type of a field, for tools that want to validate before deploying. */
export type FieldType<K extends KindName, F extends keyof ShapeOf<K>> = z.output<ShapeOf<K>[F]>;
