/**
 * Static routes carrying netns-lab's protocol number: listing ours, matching a wanted route against
 * them, the command lines that turn one set into another, and applying them in one batch.
 */
import { canonical, familyOf } from "../net";
import { ROUTE_PROTOCOL } from "../ownership";
import { Executor, KernelError } from "./exec";
import { ip, ipBatch, ipJson } from "./ip";
import { exists } from "./netns";

/** One route: where to, and through which gateway or device. */
export interface RouteSpec {
  /** A network (CIDR, host bits clear), or `default`. */
  destination: string;
  /** The gateway's address (in a connected subnet). */
  via?: string;
  /** The device it leaves by. */
  device?: string;
  /** Its metric (default the kernel's: 0, 1024 for IPv6). */
  metric?: number;
}

export const isV6 = (r: RouteSpec): boolean => (r.destination === "default" ? familyOf(r.via ?? "") === 6 : r.destination.includes(":"));
const familyOfRoute = (r: RouteSpec): 4 | 6 => (isV6(r) ? 6 : 4);
/** The kernel lists 0.0.0.0/0 and ::/0 as "default": one name for one destination. */
const keyDestination = (d: string): string => (d === "0.0.0.0/0" || d === "::/0" ? "default" : d);
/** What identifies a route in a table: destination (0.0.0.0/0 and ::/0 are default), metric, family. */
export const routeKey = (r: RouteSpec): string => `${keyDestination(r.destination)}|${r.metric ?? 0}|${familyOfRoute(r)}`;
const dest = (r: RouteSpec) => (r.destination === "default" && isV6(r) ? "::/0" : r.destination);

/** `route <verb> …` arguments for one route (also an `ip -batch` line). */
export function routeArgs(verb: "add" | "replace" | "del", r: RouteSpec): string[] {
  return [
    "route", verb, dest(r),
    ...(r.via && verb !== "del" ? ["via", r.via] : []),
    ...(r.device && verb !== "del" ? ["dev", r.device] : []),
    ...(r.metric !== undefined ? ["metric", String(r.metric)] : []),
    "proto", ROUTE_PROTOCOL,
  ];
}

interface KernelRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  metric?: number;
}

/** Our routes (protocol 78) in a namespace, by routeKey; empty when the namespace is gone. */
export async function ours(x: Executor, ns: string, families: ReadonlyArray<4 | 6>): Promise<Map<string, RouteSpec>> {
  const found = new Map<string, RouteSpec>();
  if (!(await exists(x, ns))) return found;
  for (const fam of families) {
    let routes: KernelRoute[];
    try {
      routes = await ipJson<KernelRoute[]>(x, ns, [`-${fam}`, "route", "show", "proto", ROUTE_PROTOCOL]);
    } catch (e) {
      if (e instanceof KernelError && e.kind === "no-namespace") return found;
      throw e;
    }
    for (const k of routes) {
      let d = k.dst;
      if (d !== "default" && !d.includes("/")) d += fam === 4 ? "/32" : "/128";
      if (d === "::/0") d = "default";
      const spec: RouteSpec = { destination: d, via: k.gateway, device: k.dev, metric: k.metric };
      if (fam === 6 && spec.metric === 1024) spec.metric = undefined; // the kernel's IPv6 default metric
      found.set(routeKey({ ...spec, via: spec.via ?? (fam === 6 ? "::" : undefined) }), spec);
    }
  }
  return found;
}

/** The families a set of routes spans. */
export const families = (rs: readonly RouteSpec[]): Array<4 | 6> => [...new Set(rs.map(familyOfRoute))];

const sameGateway = (a?: string, b?: string) => a === b || (a !== undefined && b !== undefined && canonical(a) === canonical(b));

/** The kernel's view of `want`: its via/device as installed, or undefined when the route is gone. */
export function match(found: Map<string, RouteSpec>, want: RouteSpec): RouteSpec | undefined {
  const k = found.get(routeKey({ ...want, via: want.via ?? (isV6(want) ? "::" : undefined) }));
  if (!k) return undefined;
  // Report only what is managed, so an unset via/device never shows as a difference; a gateway
  // written another way (fd00:0::1) is reported as written.
  const via = want.via === undefined ? undefined : sameGateway(k.via, want.via) ? want.via : k.via;
  return clean({ destination: want.destination, metric: want.metric, via, device: want.device !== undefined ? k.device : undefined });
}

/** A route without its unset fields. */
export const clean = (r: RouteSpec): RouteSpec =>
  Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as RouteSpec;

/** Which of `want` are installed, as the kernel has them. */
export async function installed(x: Executor, ns: string, want: readonly RouteSpec[]): Promise<RouteSpec[]> {
  const found = await ours(x, ns, families(want));
  return want.map((r) => match(found, r)).filter((r): r is RouteSpec => r !== undefined);
}

/** The batch lines that turn `have` into `want`, touching only what differs. */
export function plan(have: readonly RouteSpec[], want: readonly RouteSpec[]): string[] {
  const h = new Map(have.map((r) => [routeKey(r), r]));
  const w = new Map(want.map((r) => [routeKey(r), r]));
  const lines: string[] = [];
  for (const [k, r] of h) if (!w.has(k)) lines.push(routeArgs("del", r).join(" "));
  for (const [k, r] of w) {
    const old = h.get(k);
    if (!old) lines.push(routeArgs("add", r).join(" "));
    else if (!sameGateway(old.via, r.via) || old.device !== r.device) lines.push(routeArgs("replace", r).join(" "));
  }
  return lines;
}

/** Applies plan lines in one `ip -batch` process. */
export function apply(x: Executor, ns: string, lines: readonly string[], doing: string): Promise<void> {
  return ipBatch(x, ns, lines, { doing });
}

/** Whether any route (ours or not) holds the place of `r` (its destination and metric). */
export async function taken(x: Executor, ns: string, r: RouteSpec): Promise<boolean> {
  const fam = familyOfRoute(r);
  const rows = await ipJson<KernelRoute[]>(x, ns, [`-${fam}`, "route", "show", "exact", dest(r)]);
  const metric = (k: KernelRoute) => (fam === 6 && k.metric === 1024 ? undefined : k.metric) ?? 0;
  return rows.some((k) => metric(k) === (r.metric ?? 0));
}

/** Whether the kernel refused a route because its gateway is not reachable (yet). */
export const unreachableGateway = (e: unknown): boolean => e instanceof KernelError && /unreachable|invalid gateway/i.test(e.stderr);

/** A kernel refusal in the words of a route: an unreachable gateway says so. */
export function explain(e: unknown, r: RouteSpec, ns: string): unknown {
  if (unreachableGateway(e) && e instanceof KernelError) {
    // The addresses a route needs are made before it (the program side orders by needs): none is there.
    return new KernelError(
      `gateway ${r.via} is not reachable from namespace "${ns}": no address in its subnet; declare an IpAddress whose subnet holds ${r.via} on a device of "${ns}" (${e.message})`,
      e.kind, e.command, e.stderr,
    );
  }
  return e;
}

const VERB = { add: "add", replace: "change", del: "delete" } as const;

/** One route command (`ip route add|replace|del … proto 78`); an unreachable gateway says so. */
export async function change(x: Executor, ns: string, verb: "add" | "replace" | "del", r: RouteSpec): Promise<void> {
  try {
    const run = () => ip(x, ns, routeArgs(verb, r), { doing: `${VERB[verb]} route to ${r.destination} in ${ns}` });
    await run();
  } catch (e) {
    throw explain(e, r, ns);
  }
}
