/**
 * Route: one static route in a namespace, installed with protocol number 78 ("netns-lab") as its
 * ownership marker, so refresh and delete only ever look at routes we made. via/device update in
 * place (`ip route replace`); namespace, destination and metric identify the route and replace.
 */
import { z } from "zod";
import { ip, ipJson, KernelError, namespaceExists } from "../kernel";
import { checkFields, diffFields, ifname, Inputs, ipaddr, Kind, networkOf, nsname, owner, parseCidr, UNKNOWN } from "./common";

/** rtnetlink protocol number marking netns-lab's routes (unassigned in /etc/iproute2/rt_protos). */
export const RTPROT = "78";

export interface RouteSpec {
  destination: string;
  via?: string;
  device?: string;
  metric?: number;
}

export const destination = z.string().superRefine((s, ctx) => {
  if (s === "default") return;
  const p = parseCidr(s);
  if (!p) {
    ctx.addIssue({ code: "custom", message: `"${s}" is not "default" or a CIDR such as 192.168.2.0/24` });
  } else if (p.family === 4 && networkOf(s) !== s) {
    ctx.addIssue({ code: "custom", message: `${s} has host bits set: did you mean ${networkOf(s)}?` });
  }
});

/** The fields of one route, each validated on its own (so preview names the property). */
export const routeFields = {
  destination,
  via: ipaddr,
  device: ifname,
  metric: z.number().int().min(0, "metric must be 0 or more").max(4294967295, "metric must fit in 32 bits"),
};

/** Rules that involve more than one field of a route. */
function crossCheck(r: RouteSpec, ctx: z.RefinementCtx): void {
  if (!r.via && !r.device) ctx.addIssue({ code: "custom", message: "a route needs 'via' (a gateway) or 'device'" });
  if (r.via && r.destination !== "default" && parseCidr(r.destination)?.family !== (r.via.includes(":") ? 6 : 4)) {
    ctx.addIssue({ code: "custom", path: ["via"], message: "via and destination must be the same IP family" });
  }
}

export const routeSpec = z
  .object({ destination, via: routeFields.via.optional(), device: routeFields.device.optional(), metric: routeFields.metric.optional() })
  .strict()
  .superRefine(crossCheck);

export const isV6 = (r: RouteSpec) => (r.destination === "default" ? !!r.via?.includes(":") : r.destination.includes(":"));
export const routeKey = (r: RouteSpec) => `${r.destination}|${r.metric ?? 0}|${isV6(r) ? 6 : 4}`;
const dest = (r: RouteSpec) => (r.destination === "default" && isV6(r) ? "::/0" : r.destination);

/** `route <verb> …` arguments for one route (also used as an `ip -batch` line). */
export function routeArgs(verb: "add" | "replace" | "del", r: RouteSpec): string[] {
  return [
    "route", verb, dest(r),
    ...(r.via && verb !== "del" ? ["via", r.via] : []),
    ...(r.device && verb !== "del" ? ["dev", r.device] : []),
    ...(r.metric !== undefined ? ["metric", String(r.metric)] : []),
    "proto", RTPROT,
  ];
}

interface KernelRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  metric?: number;
}

/** Our routes in a namespace, as RouteSpecs keyed by routeKey. */
export async function ourRoutes(ns: string, families: Array<4 | 6>): Promise<Map<string, RouteSpec>> {
  const found = new Map<string, RouteSpec>();
  if (!namespaceExists(ns)) return found;
  for (const fam of families) {
    let routes: KernelRoute[];
    try {
      routes = await ipJson<KernelRoute[]>(ns, [`-${fam}`, "route", "show", "proto", RTPROT]);
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

/** The kernel's view of `want`: via/device as installed, or undefined if the route is gone. */
export function match(found: Map<string, RouteSpec>, want: RouteSpec): RouteSpec | undefined {
  const k = found.get(routeKey({ ...want, via: want.via ?? (isV6(want) ? "::" : undefined) }));
  if (!k) return undefined;
  // Report only what is managed, so an unset via/device never shows as a difference.
  return { destination: want.destination, metric: want.metric, via: want.via !== undefined ? k.via : undefined, device: want.device !== undefined ? k.device : undefined };
}

export function explain(e: unknown, r: RouteSpec, ns: string): Error {
  const msg = (e as Error).message;
  if (e instanceof KernelError) {
    if (e.kind === "exists") return new Error(`a route to ${r.destination} (metric ${r.metric ?? 0}) already exists in namespace "${ns}" and is not ours: ${msg}`);
    if (/unreachable|invalid gateway/i.test(e.stderr)) return new Error(`gateway ${r.via} is not reachable from namespace "${ns}" (no connected route to it yet?): ${msg}`);
  }
  return e as Error;
}

const strip = (r: Inputs): RouteSpec => ({ destination: r.destination, via: r.via, device: r.device, metric: r.metric });

export const route: Kind = {
  async check(_olds, news) {
    const r = checkFields(news, { namespace: nsname, owner, ...routeFields }, ["namespace", "destination", "owner"]);
    if (r.failures.length === 0 && !JSON.stringify(r.inputs).includes(UNKNOWN)) {
      const cross = z.custom<RouteSpec>().superRefine(crossCheck).safeParse(strip(r.inputs));
      for (const i of cross.success ? [] : cross.error.issues) {
        const p = i.path.length ? i.path.map(String).join(".") : "destination";
        r.failures.push({ property: p, reason: `${p}: ${i.message}` });
      }
    }
    return r;
  },

  async diff(_id, olds, news) {
    const d = diffFields(olds, news, { replace: ["namespace", "destination", "metric"], update: ["owner"] });
    const moved = (["via", "device"] as const).some((k) => news[k] !== undefined && olds[k] !== news[k]) ||
      (olds.via !== undefined && news.via === undefined) || (olds.device !== undefined && news.device === undefined);
    return { ...d, changes: d.changes || moved };
  },

  async create(inputs) {
    const ns = inputs.namespace;
    const r = strip(inputs);
    if (!namespaceExists(ns)) throw new Error(`cannot add route to ${r.destination}: network namespace "${ns}" does not exist`);
    try {
      await ip(ns, routeArgs("add", r), { doing: `add route to ${r.destination} in ${ns}` });
    } catch (e) {
      // Ours already (protocol 78: left by an interrupted run)? Adopt it, with the gateway we want.
      if (!(e instanceof KernelError && e.kind === "exists" && match(await ourRoutes(ns, [isV6(r) ? 6 : 4]), r))) throw explain(e, r, ns);
      await ip(ns, routeArgs("replace", r), { doing: `adopt route to ${r.destination} in ${ns}` });
    }
    return { id: `${ns}/${routeKey(r)}`, outs: { ...inputs } };
  },

  async read(id, props) {
    const r = strip(props);
    const k = match(await ourRoutes(props.namespace, [isV6(r) ? 6 : 4]), r);
    return k ? { id, props: { ...props, ...k } } : {};
  },

  async update(_id, _olds, news) {
    const r = strip(news);
    try {
      await ip(news.namespace, routeArgs("replace", r), { doing: `change route to ${r.destination} in ${news.namespace}` });
    } catch (e) {
      throw explain(e, r, news.namespace);
    }
    return { outs: { ...news } };
  },

  async delete(_id, props) {
    const r = strip(props);
    if (!match(await ourRoutes(props.namespace, [isV6(r) ? 6 : 4]), r)) return;
    await ip(props.namespace, routeArgs("del", r), { doing: `delete route to ${r.destination} in ${props.namespace}` });
  },
};
