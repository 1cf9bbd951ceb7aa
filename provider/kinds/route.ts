/**
 * Route: one static route in a namespace, installed with netns-lab's protocol number, so refresh and
 * delete only ever look at routes we made. via/device update in place (`ip route replace`);
 * namespace, destination and metric identify the route and replace.
 */
import * as route from "../kernel/route";
import { canonical } from "../net";
import { destination, ifname, ipaddr, metric, nsname, routeProblems } from "./fields";
import { defineKind, InputsOf } from "./kind";
import { inNamespace, Need } from "../needs";

const inputs = {
  /** The network namespace it lives in (a NetNamespace's name). */
  namespace: nsname,
  /** "default" or a network in CIDR form (host bits clear): "192.168.2.0/24", "fd00:2::/64". */
  destination,
  /** Gateway address. */
  via: ipaddr.optional(),
  /** Outgoing interface. */
  device: ifname.optional(),
  /** Its metric (default the kernel's). */
  metric: metric.optional(),
};
type I = InputsOf<typeof inputs>;
const spec = (i: I): route.RouteSpec => route.clean({ destination: i.destination, via: i.via, device: i.device, metric: i.metric });
const fam = (i: I) => [route.isV6(spec(i)) ? 6 : 4] as Array<4 | 6>;
const installed = async (c: { x: Parameters<typeof route.ours>[0] }, i: I) => route.match(await route.ours(c.x, i.namespace, fam(i)), spec(i));

/** What routes need: their namespace, each one's device, and an address in each gateway's subnet. */
export const routeNeeds = (ns: string, routes: route.RouteSpec[]): Need[] => [
  ...inNamespace(ns, ...routes.map((r) => r.device)),
  ...routes.flatMap((r) => (r.via ? [{ kind: "gateway" as const, ns, ip: r.via }] : [])),
];

export const routeKind = defineKind({
  inputs,
  outputs: {},
  replaceOn: ["namespace", "destination", "metric"],
  inPlace: ["via", "device"],
  same: {
    // Set or unset, a gateway or device is managed: unset means the route has none.
    via: (a, b) => a === b || (a !== undefined && b !== undefined && canonical(a) === canonical(b)),
    device: (a, b) => a === b,
  },
  refine: (i) => routeProblems(i).map((p) => ({ property: p.path, reason: `${p.path}: ${p.message}` })),
  namespaces: (i) => [i.namespace],
  makes: ["in"],
  provides: (i) => [{ kind: "in", ns: i.namespace }],
  needs: (i) => routeNeeds(i.namespace, [spec(i)]),
  remark: "unmarked",
  title: (i) => `route to ${i.destination}`,
  id: (i) => `${i.namespace}/${route.routeKey(spec(i))}`,

  async create(c, i) {
    await route.change(c.x, i.namespace, "add", spec(i));
    return {};
  },

  async found(c, i) {
    const ours = await installed(c, i);
    if (!ours && !(await route.taken(c.x, i.namespace, spec(i)))) return null;
    return { marker: ours ? c.mark : undefined, what: `a route to ${i.destination} (metric ${i.metric ?? 0})`, where: `in namespace "${i.namespace}"` };
  },

  async adopt(c, i) {
    // Ours already (left by an interrupted run): make it what we want.
    await route.change(c.x, i.namespace, "replace", spec(i));
    return {};
  },

  async read(c, props) {
    return installed(c, props);
  },

  async update(c, _olds, news) {
    await route.change(c.x, news.namespace, "replace", spec(news));
    return {};
  },

  async delete(c, props) {
    await route.change(c.x, props.namespace, "del", spec(props));
  },
});
