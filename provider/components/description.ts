/**
 * The lab as data: what a stack exports as `description`, what `bin/netns-lab` reads, and the one
 * hand-off by which `netns-lab graph --preview` gets it from a program that is only previewed.
 */
import * as fs from "fs";

export type Role = "host" | "router";

export interface InterfaceInfo {
  name: string;
  /** The node at the other end of the cable. */
  peer: string;
  address?: string;
}

export interface LabDescription {
  name: string;
  nodes: Array<{ name: string; role: Role; namespace: string; interfaces: InterfaceInfo[] }>;
  links: Array<{ name: string; ends: Array<{ node: string; interface: string; address?: string }> }>;
  /** Pairs [from, to] that must NOT reach each other (e.g. through a router left to user space). */
  expectUnreachable?: Array<[string, string]>;
}

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
