/**
 * What a resource makes and what it needs: one vocabulary for every kind. Each kind declares both
 * as pure functions of its inputs (kinds/<kind>.ts, `provides` and `needs`); the program side
 * (registry.ts) turns them into the engine's dependencies, so the engine creates what is needed
 * first and deletes it last. No provider call ever waits for another resource.
 *
 *   thing                      made by                         needed by
 *   namespace ns               NetNamespace                    everything that lives in ns
 *   device ns/dev              VethLink (both ends), Bridge,   IpAddress, TrafficShaping, Nat (its
 *                              VxlanLink                       out interface), a port's master bridge,
 *                                                              a Route's or RouteTable's device
 *   address ns/dev cidr        IpAddress                       a gateway in its subnet (Route, RouteTable)
 *   in ns                      everything living in ns         a Process in ns: it starts last there
 *   file path                  File                            a Process naming it in its command or env
 *   process name               Process (its resource name)     a Process `after` it
 *
 * Matching is per machine: a thing on machine m1 never satisfies a need on m2.
 */
import { contains } from "./net";

export type Provide =
  | { kind: "namespace"; ns: string }
  | { kind: "device"; ns: string; dev: string }
  | { kind: "address"; ns: string; dev: string; cidr: string }
  | { kind: "in"; ns: string }
  | { kind: "file"; path: string }
  | { kind: "process"; name: string };

export type Need =
  | { kind: "namespace"; ns: string }
  | { kind: "device"; ns: string; dev: string }
  /** A connected subnet for a gateway: an address in `ns` whose network holds `ip`. */
  | { kind: "gateway"; ns: string; ip: string }
  /** Everything else that lives in `ns` (what a program started there may use). */
  | { kind: "inside"; ns: string }
  | { kind: "file"; path: string }
  | { kind: "process"; name: string };

/** The kinds of thing that can satisfy a need (so the registry looks only at resources that make them). */
export const satisfiedBy: Record<Need["kind"], ReadonlyArray<Provide["kind"]>> = {
  namespace: ["namespace"],
  device: ["device"],
  gateway: ["address"],
  inside: ["in"],
  file: ["file"],
  process: ["process"],
};

/** Whether `p` is (one of) what `n` needs. Pure. */
export function satisfies(p: Provide, n: Need): boolean {
  switch (n.kind) {
    case "namespace":
      return p.kind === "namespace" && p.ns === n.ns;
    case "device":
      return p.kind === "device" && p.ns === n.ns && p.dev === n.dev;
    case "gateway":
      return p.kind === "address" && p.ns === n.ns && contains(p.cidr, n.ip);
    case "inside":
      return p.kind === "in" && p.ns === n.ns;
    case "file":
      return p.kind === "file" && p.path === n.path;
    case "process":
      return p.kind === "process" && p.name === n.name;
  }
}

/** How a need reads in a message: `device "eth1" in namespace "r1"`. */
export function describeNeed(n: Need): string {
  switch (n.kind) {
    case "namespace":
      return `network namespace "${n.ns}"`;
    case "device":
      return `device "${n.dev}" in namespace "${n.ns}"`;
    case "gateway":
      return `an address in the subnet of gateway ${n.ip} in namespace "${n.ns}"`;
    case "inside":
      return `what lives in namespace "${n.ns}"`;
    case "file":
      return `file ${n.path}`;
    case "process":
      return `process ${n.name}`;
  }
}

/** How a thing reads in a message: `address 10.0.0.1/24 on "eth1" in namespace "r1"`. */
export function describeProvide(p: Provide): string {
  switch (p.kind) {
    case "namespace":
      return `network namespace "${p.ns}"`;
    case "device":
      return `device "${p.dev}" in namespace "${p.ns}"`;
    case "address":
      return `address ${p.cidr} on "${p.dev}" in namespace "${p.ns}"`;
    case "in":
      return `something in namespace "${p.ns}"`;
    case "file":
      return `file ${p.path}`;
    case "process":
      return `process ${p.name}`;
  }
}

/** The namespace need, plus the device need of each named device ("lo" is always there). */
export function inNamespace(ns: string, ...devices: Array<string | undefined>): Need[] {
  return [{ kind: "namespace", ns }, ...devices.filter((d): d is string => d !== undefined && d !== "lo").map((dev) => ({ kind: "device" as const, ns, dev }))];
}

/** The resource name inside an owner (`project/stack/name`). */
export const nameOfOwner = (owner: string): string => owner.split("/").slice(2).join("/");

/**
 * Absolute paths a command line mentions (`/etc/bird.conf`, `--config=/etc/x.conf`, `-c/etc/x`):
 * the files a process may read, so it starts after the File resources that write them.
 */
export function pathsIn(args: readonly string[]): string[] {
  const out = new Set<string>();
  for (const a of args) {
    const m = /(?:^|[=:])(\/[^\s=:,]+)/.exec(a) ?? /^-\w(\/\S+)$/.exec(a);
    if (m) out.add(m[1]);
  }
  return [...out];
}
