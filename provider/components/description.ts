/**
 * The lab as data: what a stack exports as `description`, what `bin/netns-lab` reads, and the one
 * hand-off by which `netns-lab graph --preview` gets it from a program that is only previewed.
 */
import * as fs from "fs";
import { Machine, machineOf } from "../machine";

/** What a node is. */
export type Role = "host" | "router" | "switch";

/** An interface of a node, as `describe()` reports it. */
export interface InterfaceInfo {
  /** Its name in the node's namespace. */
  name: string;
  /** The node at the other end of the cable ("" for the loopback). */
  peer: string;
  /** The first address (what older readers know). */
  address?: string;
  /** Every address, in order (dual stack, several per interface). */
  addresses?: string[];
  /** Set down on purpose (`up: false`): its addresses are nobody's destination meanwhile. */
  down?: true;
}

/** A NAT rule of a node, as `describe()` reports it. */
export interface NatInfo {
  /** The network translated (CIDR). */
  source: string;
  /** The interface its packets leave by. */
  out: string;
  /** The address it is translated to (absent: masquerade). */
  to?: string;
}

/** A program a node runs, as `describe()` reports it. */
export interface ProcessInfo {
  /** Its name in the node (what `netns-lab logs NODE NAME` takes). */
  name: string;
  /** The Process resource's name. */
  resource: string;
  /** Its command line (an argument array). */
  command: string[];
}

/** A machine of the lab, as `lab.machine()` declared it (absent on a node: this machine). */
export type MachineInfo = Machine & {
  /** Its name in the lab (`lab.machine(name, …)`). */
  name: string;
  /** Its underlay address, where VXLAN tunnels to it end. */
  address: string;
};

/** The SSH side of a lab's machine (what every resource's `machine` input holds). */
export const machineSpec = (m: MachineInfo): Machine => machineOf(m);

/** The lab as data (`lab.describe()`): what a stack exports as `description` and `bin/netns-lab` reads. */
export interface LabDescription {
  /** The lab's name. */
  name: string;
  /** Its nodes. */
  nodes: Array<{
    /** The node's name in the lab. */
    name: string;
    /** What it is. */
    role: Role;
    /** Its network namespace's name. */
    namespace: string;
    /** Its interfaces. */
    interfaces: InterfaceInfo[];
    /** Its NAT rules. */
    nat?: NatInfo[];
    /** The programs it runs. */
    processes?: ProcessInfo[];
    /** The machine it lives on (absent: this one). */
    machine?: MachineInfo;
    /** It has a filesystem view of its own (NodeFilesystem): what runs in it enters that too. */
    filesystem?: boolean;
    /** Its own host name (with its filesystem view: a UTS namespace, entered with it). */
    hostname?: string;
  }>;
  /** Its cables. */
  links: Array<{
    /** The cable's name. */
    name: string;
    /** Its two ends. */
    ends: Array<{
      /** The node of this end. */
      node: string;
      /** The interface of this end. */
      interface: string;
      /** Its first address. */
      address?: string;
      /** Its addresses. */
      addresses?: string[];
    }>;
  }>;
  /** Pairs [from, to] where `from` must NOT reach `to`: a node's name, or a network (CIDR). */
  expectUnreachable?: Array<[string, string]>;
  /** A lab made from a netlab topology (`netlab()`): where netlab wrote its files (`netns-lab validate` runs netlab's tests there). */
  netlab?: {
    /** netlab's work directory: its snapshot, its JSON topology, the nodes' files. */
    workDir: string;
  };
}

/** Every address of an interface, whichever of the two fields holds them. */
export const addressesOf = (i: { address?: string; addresses?: string[] }): string[] => i.addresses ?? (i.address ? [i.address] : []);

/**
 * `pulumi preview` carries no stack outputs, so `netns-lab graph --preview` starts the preview with
 * this variable in the program's environment (and only there), naming a file for the description.
 */
export const DESCRIBE_TO_ENV = "NETNS_LAB_DESCRIBE_TO";

/** Writes the description where the previewing CLI asked for it, if it did. */
export function handOff(d: LabDescription, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[DESCRIBE_TO_ENV];
  if (file) fs.writeFileSync(file, JSON.stringify(d));
}
