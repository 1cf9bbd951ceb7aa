/** Links (network interfaces): show, veth pairs, settings, alias, deletion, checksum offload. */
import { Executor, KernelError } from "./exec";
import { ip, ipJson, nsExec } from "./ip";
import { exists } from "./netns";

export interface LinkInfo {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  address: string;
  operstate: string;
  ifalias?: string;
  link_index?: number;
  /** The bridge this link is a port of. */
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { stp_state?: number; id?: number; remote?: string; remote6?: string; local?: string; local6?: string; port?: number; link?: string; mode?: string } };
}

const gone = (e: unknown) => e instanceof KernelError && (e.kind === "no-device" || e.kind === "no-namespace");

/** One link as `ip -j -d link show` reports it, or undefined when it (or its namespace) is gone. */
export async function show(x: Executor, ns: string, dev: string): Promise<LinkInfo | undefined> {
  if (!(await exists(x, ns))) return undefined;
  try {
    return (await ipJson<LinkInfo[]>(x, ns, ["-d", "link", "show", "dev", dev]))[0];
  } catch (e) {
    if (gone(e)) return undefined;
    throw e;
  }
}

/** Every link of a namespace (empty when the namespace is gone). */
export async function list(x: Executor, ns: string): Promise<LinkInfo[]> {
  if (!(await exists(x, ns))) return [];
  try {
    return await ipJson<LinkInfo[]>(x, ns, ["-d", "link", "show"]);
  } catch (e) {
    if (gone(e)) return [];
    throw e;
  }
}

export interface LinkSettings {
  mtu?: number;
  address?: string;
  up?: boolean;
  alias?: string;
  /** The bridge to be a port of; null: none. */
  master?: string | null;
}

const settingArgs = (s: LinkSettings): string[] => [
  ...(s.mtu !== undefined ? ["mtu", String(s.mtu)] : []),
  ...(s.address !== undefined ? ["address", s.address] : []),
  ...(s.master === null ? ["nomaster"] : s.master !== undefined ? ["master", s.master] : []),
  ...(s.up !== undefined ? [s.up ? "up" : "down"] : []),
  ...(s.alias !== undefined ? ["alias", s.alias] : []),
];

export interface VethEnd {
  ns: string;
  dev: string;
  settings: LinkSettings;
}

/**
 * A veth pair with both ends born in their namespaces, in one call: no crash can strand half a pair
 * in the root namespace. `a`'s settings may include up and alias; `b` gets only mtu and address here.
 */
export async function addVeth(x: Executor, a: VethEnd, b: VethEnd): Promise<void> {
  const peer = { mtu: b.settings.mtu, address: b.settings.address };
  await ip(x, a.ns, ["link", "add", "name", a.dev, ...settingArgs(a.settings), "type", "veth", "peer", "name", b.dev, "netns", b.ns, ...settingArgs(peer)], {
    doing: `create veth pair ${a.ns}:${a.dev} <-> ${b.ns}:${b.dev}`,
  });
}

/** A Linux bridge (`ip link add NAME type bridge`), down until set up. */
export async function addBridge(x: Executor, ns: string, name: string, o: { stp?: boolean; mtu?: number }): Promise<void> {
  await ip(x, ns, ["link", "add", "name", name, ...(o.mtu !== undefined ? ["mtu", String(o.mtu)] : []), "type", "bridge", ...(o.stp !== undefined ? ["stp_state", o.stp ? "1" : "0"] : [])], {
    doing: `create bridge ${name} in ${ns}`,
  });
}

export interface Vxlan {
  name: string;
  vni: number;
  remote: string;
  local?: string;
  dstPort: number;
  /** The machine's interface the tunnel's UDP packets leave by. */
  underlay?: string;
  mtu?: number;
  /** Its MAC address (default: random). */
  mac?: string;
}

/**
 * A VXLAN device born in the node's namespace: `ip link add … netns NS type vxlan …` made from the
 * machine's root namespace, so its UDP socket stays there, on the underlay (the device reports
 * link-netnsid 0), while the device is never in the root namespace. The kernel takes no alias at
 * creation: the caller marks it with its next call, in the node's namespace. A crash between the
 * two leaves an unmarked device in the node's namespace only (kinds/vxlan.ts adopts it there).
 */
export async function addVxlan(x: Executor, ns: string, v: Vxlan): Promise<void> {
  await ip(x, undefined, [
    "link", "add", "name", v.name, ...(v.mtu !== undefined ? ["mtu", String(v.mtu)] : []), ...(v.mac ? ["address", v.mac] : []), "netns", ns,
    "type", "vxlan", "id", String(v.vni), "remote", v.remote, ...(v.local ? ["local", v.local] : []), "dstport", String(v.dstPort), ...(v.underlay ? ["dev", v.underlay] : []),
  ], { doing: `create vxlan ${v.name} (VNI ${v.vni} to ${v.remote}) in ${ns}` });
}

/**
 * A macvlan device on `parent` (an interface of the root namespace) born in namespace `ns`: one call
 * made from the root namespace (`ip link add link PARENT … netns NS type macvlan`), so it never is there.
 */
export async function addMacvlan(x: Executor, ns: string, m: { name: string; parent: string; mode: string; mtu?: number; mac?: string }): Promise<void> {
  await ip(x, undefined, [
    "link", "add", "link", m.parent, "name", m.name, ...(m.mtu !== undefined ? ["mtu", String(m.mtu)] : []), ...(m.mac ? ["address", m.mac] : []), "netns", ns, "type", "macvlan", "mode", m.mode,
  ], { doing: `create macvlan ${m.name} on ${m.parent} in ${ns}` });
}

/** Turns a bridge's spanning tree on or off. */
export async function setStp(x: Executor, ns: string, name: string, stp: boolean): Promise<void> {
  await ip(x, ns, ["link", "set", "dev", name, "type", "bridge", "stp_state", stp ? "1" : "0"], { doing: `set stp of ${name} in ${ns}` });
}

/** Changes settings of a link (one call); nothing to change, no call. */
export async function set(x: Executor, ns: string, dev: string, s: LinkSettings): Promise<void> {
  const args = settingArgs(s);
  if (args.length) await ip(x, ns, ["link", "set", "dev", dev, ...args], { doing: `configure ${dev} in ${ns}` });
}

/** Deletes a link; false if it was already gone. */
export async function del(x: Executor, ns: string, dev: string): Promise<boolean> {
  try {
    await ip(x, ns, ["link", "del", "dev", dev], { doing: `delete ${dev} in ${ns}` });
    return true;
  } catch (e) {
    if (!(await show(x, ns, dev))) return false;
    throw e;
  }
}

/** Checksum offload of a device (ethtool -K … rx/tx); unset: left as the kernel has it. */
export interface Offload {
  /** Receive checksum offload. */
  rx?: boolean;
  /** Transmit checksum offload (off for a user-space router that sends raw frames). */
  tx?: boolean;
}

/** rx/tx checksum offload of a device, from `ethtool -k`. */
export async function readOffload(x: Executor, ns: string, dev: string): Promise<{ rx: boolean; tx: boolean }> {
  const out = await nsExec(x, ns, "ethtool", ["-k", dev], { doing: `read offloads of ${dev} in ${ns}` });
  const get = (name: string) => /:\s*on/.test(out.split("\n").find((l) => l.startsWith(`${name}:`)) ?? "");
  return { rx: get("rx-checksumming"), tx: get("tx-checksumming") };
}

export async function writeOffload(x: Executor, ns: string, dev: string, o: Offload): Promise<void> {
  const args = (["rx", "tx"] as const).flatMap((k) => (o[k] === undefined ? [] : [k, o[k] ? "on" : "off"]));
  if (args.length) await nsExec(x, ns, "ethtool", ["-K", dev, ...args], { doing: `set offloads ${args.join(" ")} on ${dev} in ${ns}` });
}
