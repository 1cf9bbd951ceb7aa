/**
 * The lab as data: what a stack exports as `description`, what `bin/netns-lab` reads, and the one
 * hand-off by which `netns-lab graph --preview` gets it from a program that is only previewed.
 */
import * as fs from "fs";
import { Machine, machineOf } from "../machine";

export type Role = "host" | "router" | "switch";

export interface InterfaceInfo {
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

export interface NatInfo {
  source: string;
  out: string;
  to?: string;
}

export interface ProcessInfo {
  /** Its name in the node (what `netns-lab logs NODE NAME` takes). */
  name: string;
  /** The Process resource's name. */
  resource: string;
  command: string[];
}

/** A machine of the lab, as `lab.machine()` declared it (absent on a node: this machine). */
export type MachineInfo = Machine & {
  name: string;
  /** Its underlay address, where VXLAN tunnels to it end. */
  address: string;
};

/** The SSH side of a lab's machine (what every resource's `machine` input holds). */
export const machineSpec = (m: MachineInfo): Machine => machineOf(m);

export interface LabDescription {
  name: string;
  nodes: Array<{ name: string; role: Role; namespace: string; interfaces: InterfaceInfo[]; nat?: NatInfo[]; processes?: ProcessInfo[]; machine?: MachineInfo }>;
  links: Array<{ name: string; ends: Array<{ node: string; interface: string; address?: string; addresses?: string[] }> }>;
  /** Pairs [from, to] where `from` must NOT reach `to`: a node's name, or a network (CIDR). */
  expectUnreachable?: Array<[string, string]>;
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
