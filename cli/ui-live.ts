/**
 * The pure side of `netns-lab ui` (ui.ts serves it): who may ask, where the nodes go, and what the
 * kernel's readings mean for the picture — a cable's state from its two ends, rates from two
 * readings of the interfaces' counters, routing neighbours from FRR's JSON. No kernel, no server.
 */
import * as crypto from "crypto";
import type { LabDescription } from "../provider/components/description";

/** An interface as the kernel reports it in one reading. */
export interface IfReading {
  /** operstate: UP, DOWN, LOWERLAYERDOWN, UNKNOWN (the loopback) … */
  state: string;
  /** Set up (its UP flag): false for one set down by hand, whose peer then has no carrier. */
  adminUp: boolean;
  rxBytes: number;
  txBytes: number;
}

/** One reading of every node: node → interface → reading (a node whose namespace is gone: null). */
export type Reading = Record<string, Record<string, IfReading> | null>;

/** What `ip -j -s link show` says of an interface (the fields read). */
export interface IpLinkStats {
  ifname: string;
  operstate?: string;
  flags?: string[];
  stats64?: { rx?: { bytes?: number }; tx?: { bytes?: number } };
}

/** A namespace's `ip -j -s link show` as readings by interface name. */
export function readingOf(links: IpLinkStats[]): Record<string, IfReading> {
  const out: Record<string, IfReading> = {};
  for (const l of links) {
    // A link set down reports DOWN; its peer, with no carrier, LOWERLAYERDOWN. One set up whose state
    // the driver does not track (the loopback) reports UNKNOWN: up if its flags say so.
    const state = l.operstate === "UNKNOWN" && l.flags?.includes("UP") ? "UP" : (l.operstate ?? "UNKNOWN");
    out[l.ifname] = { state, adminUp: l.flags?.includes("UP") ?? state === "UP", rxBytes: l.stats64?.rx?.bytes ?? 0, txBytes: l.stats64?.tx?.bytes ?? 0 };
  }
  return out;
}

/** A cable on the picture: up, down (an end not up, saying which), or missing (an end's interface or node gone). */
export interface CableState {
  name: string;
  state: "up" | "down" | "missing";
  /** Why, for the page: "router1-host1 is DOWN". */
  why?: string;
  /** Bits a second from end 0 to end 1 and back (the ends' transmit counters), when two readings exist. */
  rates?: [number, number];
}

/** Bits a second each interface sent and received between two readings (a counter that went back: 0). */
export function rates(prev: { t: number; reading: Reading } | undefined, now: { t: number; reading: Reading }): Record<string, Record<string, { rx: number; tx: number }>> {
  const out: Record<string, Record<string, { rx: number; tx: number }>> = {};
  if (!prev || now.t <= prev.t) return out;
  const s = (now.t - prev.t) / 1000;
  for (const [node, ifs] of Object.entries(now.reading)) {
    const before = prev.reading[node];
    if (!ifs || !before) continue;
    for (const [name, r] of Object.entries(ifs)) {
      const b = before[name];
      if (!b) continue;
      const per = (x: number, y: number) => (x >= y ? Math.round(((x - y) * 8) / s) : 0);
      (out[node] ??= {})[name] = { rx: per(r.rxBytes, b.rxBytes), tx: per(r.txBytes, b.txBytes) };
    }
  }
  return out;
}

/** Each cable's state and rates, from its ends' readings. */
export function cables(lab: LabDescription, reading: Reading, rate: ReturnType<typeof rates>): CableState[] {
  return lab.links.map((l) => {
    const ends = l.ends.map((e) => ({ e, r: reading[e.node]?.[e.interface], gone: reading[e.node] === null }));
    const missing = ends.find((x) => !x.r);
    // The end set down by hand, rather than its peer that lost its carrier with it.
    const down = ends.find((x) => x.r && !x.r.adminUp) ?? ends.find((x) => x.r && x.r.state !== "UP");
    const [a, b] = l.ends;
    const ra = rate[a.node]?.[a.interface];
    const rb = rate[b.node]?.[b.interface];
    const c: CableState = { name: l.name, state: missing ? "missing" : down ? "down" : "up" };
    if (missing) c.why = missing.gone ? `${missing.e.node}'s namespace is gone` : `${missing.e.node} has no ${missing.e.interface}`;
    else if (down) c.why = `${down.e.node} ${down.e.interface} ${down.r!.adminUp ? `is ${down.r!.state}` : "is set down"}`;
    // Both ways from one end's counters, read together (on a veth one end's receive is the other's
    // transmit): the first end's where it was read, else the second's.
    if (ra) c.rates = [ra.tx, ra.rx];
    else if (rb) c.rates = [rb.rx, rb.tx];
    return c;
  });
}

/** A rate for people: 0 b/s, 12.3 kb/s, 4.56 Mb/s, 1.20 Gb/s. */
export function rateText(bits: number): string {
  const units: Array<[number, string]> = [[1e9, "Gb/s"], [1e6, "Mb/s"], [1e3, "kb/s"]];
  for (const [n, u] of units) if (bits >= n) return `${(bits / n).toPrecision(3)} ${u}`;
  return `${Math.round(bits)} b/s`;
}

/** Routing neighbours of a node: per protocol, how many and how many established. */
export type Neighbours = Record<string, { total: number; up: number }>;

/** FRR's `show ip ospf neighbor json` (8.x: neighbors → id → [ { state: "Full/DR" … } ]; older: id → [ … ]). */
export function ospfNeighbours(json: unknown): { total: number; up: number } {
  const j = (json ?? {}) as Record<string, unknown>;
  const byId = (j.neighbors ?? j) as Record<string, unknown>;
  let total = 0;
  let up = 0;
  for (const v of Object.values(byId)) {
    for (const n of Array.isArray(v) ? v : [v]) {
      const st = (n as { state?: string; nbrState?: string })?.state ?? (n as { nbrState?: string })?.nbrState;
      if (typeof st !== "string") continue;
      total++;
      if (st.startsWith("Full")) up++;
    }
  }
  return { total, up };
}

/** FRR's `show bgp summary json`: per address family, peers → { state: "Established" … }; a peer counted once. */
export function bgpPeers(json: unknown): { total: number; up: number } {
  const peers = new Map<string, boolean>();
  for (const af of Object.values((json ?? {}) as Record<string, unknown>)) {
    const ps = (af as { peers?: Record<string, { state?: string }> })?.peers;
    if (!ps || typeof ps !== "object") continue;
    for (const [id, p] of Object.entries(ps)) peers.set(id, (peers.get(id) ?? false) || p?.state === "Established");
  }
  return { total: peers.size, up: [...peers.values()].filter(Boolean).length };
}

/** BIRD's `birdc show protocols`: the BGP and OSPF protocols, and how many are Established/Running. */
export function birdProtocols(text: string): Neighbours {
  const out: Neighbours = {};
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    // name proto table state since info
    const proto = f[1]?.toLowerCase();
    if (proto !== "bgp" && proto !== "ospf") continue;
    const o = (out[proto] ??= { total: 0, up: 0 });
    o.total++;
    if (proto === "bgp" ? line.includes("Established") : f[3] === "up" && /Running/.test(line)) o.up++;
  }
  return out;
}

/** Node positions (points, y downwards) from Graphviz's JSON output of the lab's DOT text. */
export function positionsOf(viz: { bb?: string; objects?: Array<{ name: string; pos?: string }> }): Record<string, [number, number]> {
  const height = Number((viz.bb ?? "0,0,0,0").split(",")[3]) || 0;
  const out: Record<string, [number, number]> = {};
  for (const o of viz.objects ?? []) {
    if (!o.pos) continue;
    const [x, y] = o.pos.split(",").map(Number);
    out[o.name] = [x, height - y];
  }
  return out;
}

/** A random token for the page's URL (as Jupyter's): 24 bytes, hex. */
export const newToken = (): string => crypto.randomBytes(24).toString("hex");

/** The request's token: `?token=`, the `x-netns-lab-token` header, or the page's cookie. */
export function tokenOf(url: URL, headers: Record<string, string | string[] | undefined>, cookieName: string): string | undefined {
  const h = headers["x-netns-lab-token"];
  if (typeof h === "string") return h;
  const q = url.searchParams.get("token");
  if (q) return q;
  const cookie = typeof headers.cookie === "string" ? headers.cookie : "";
  for (const c of cookie.split(";")) {
    const [k, ...v] = c.trim().split("=");
    if (k === cookieName) return v.join("=");
  }
  return undefined;
}

/** The token matches (in constant time). */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * The Host a request names is this server's loopback address (a page of another site that resolves
 * its own name to 127.0.0.1 — DNS rebinding — names its own host: refused). With --listen, any.
 */
export function hostAllowed(host: string | undefined, port: number, listenWide: boolean): boolean {
  if (listenWide) return true;
  if (!host) return false;
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host.toLowerCase());
}

/** A step of the next change (cli/stack.ts's PreviewStep). */
export interface StepLike {
  op: string;
  name: string;
  kind: string;
  inputs: Record<string, any>;
}

/**
 * The next change on the picture: the operations on each node (by the namespace a step's resource
 * lives in) and each cable (a VethLink whose two ends are a cable's), and the steps the picture has
 * no place for (a node or cable that does not exist yet, a component). Unchanged steps left out.
 */
export function previewMarks(lab: LabDescription, steps: StepLike[]): { nodes: Record<string, string[]>; cables: Record<string, string[]>; elsewhere: string[] } {
  const nodes: Record<string, string[]> = {};
  const cables: Record<string, string[]> = {};
  const elsewhere: string[] = [];
  const add = (m: Record<string, string[]>, k: string, op: string) => {
    const l = (m[k] ??= []);
    if (!l.includes(op)) l.push(op);
  };
  const nodeOf = (ns?: string) => (ns ? lab.nodes.find((n) => n.namespace === ns) : undefined);
  for (const st of steps) {
    if (st.op === "same" || st.op === "read" || st.op === "refresh") continue;
    const i = st.inputs;
    if (st.kind === "VethLink") {
      const [a, b] = [nodeOf(i.namespace), i.peerInRoot ? undefined : nodeOf(i.peerNamespace)];
      const cable = lab.links.find((l) => {
        const want = [`${a?.name}/${i.name}`, `${b?.name}/${i.peerName}`].sort().join();
        return l.ends.map((e) => `${e.node}/${e.interface}`).sort().join() === want;
      });
      if (cable) {
        add(cables, cable.name, st.op);
        continue;
      }
    }
    const ns: string | undefined = i.namespace ?? (st.kind === "NetNamespace" ? i.name : undefined);
    const node = nodeOf(ns);
    if (node) add(nodes, node.name, st.op);
    else if (!st.kind.includes(":")) elsewhere.push(`${st.op} ${st.kind} ${st.name}`);
  }
  return { nodes, cables, elsewhere };
}
