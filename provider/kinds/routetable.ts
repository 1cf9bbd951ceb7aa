/**
 * RouteTable: all static routes of one namespace, applied in one `ip -batch` call; an update adds,
 * changes and removes only the routes that differ. Same marker as Route (protocol 78).
 */
import { z } from "zod";
import * as route from "../kernel/route";
import { NotOursError } from "../ownership";
import { KernelError } from "../kernel/exec";
import { routeNeeds } from "./route";
import { cidr, nsname, routeFromText, routeToText, tableRoute } from "./fields";
import { Ctx, defineKind, InputsOf } from "./kind";

/** Routes as the kernel layer takes them, from the state's texts (or, stored by releases before the texts, objects). */
const specs = (rs: ReadonlyArray<string | route.RouteSpec> | undefined): route.RouteSpec[] =>
  (rs ?? []).map((r) => (typeof r === "string" ? (routeFromText(r) as route.RouteSpec) : r));

const routes = z.array(tableRoute).superRefine((texts, ctx) => {
  const seen = new Set<string>();
  specs(texts).forEach((r, n) => {
    const k = route.routeKey(r);
    if (seen.has(k)) ctx.addIssue({ code: "custom", path: [n, "destination"], message: `duplicate route to ${r.destination} (metric ${r.metric ?? 0})` });
    seen.add(k);
  });
});

const inputs = {
  /** The network namespace it lives in (a NetNamespace's name). */
  namespace: nsname,
  /**
   * Every static route of the namespace: "10.0.2.0/24 via 10.0.1.1", "default dev eth0 metric 10",
   * or objects { destination, via?, device?, metric? }. Routes of ours not listed are removed.
   */
  routes,
  /**
   * The namespace's addresses the routes rely on. When one changes, the table is re-applied: the
   * kernel drops every route through a gateway in a subnet whose last address is removed.
   */
  addresses: z.array(cidr).optional(),
};
type I = InputsOf<typeof inputs>;

/** Turns what is installed of `want` into `want`, in one batch; a refusal names its route. */
async function converge(c: Ctx, ns: string, have: route.RouteSpec[], want: route.RouteSpec[], doing: string): Promise<void> {
  const lines = route.plan(have, want);
  try {
    await route.apply(c.x, ns, lines, doing);
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    // `ip -batch` names the failing line of the last batch: "Command failed -:N".
    const line = lines[Number(/Command failed -:(\d+)/.exec(e.stderr)?.[1] ?? 0) - 1];
    const r = want.find((w) => line !== undefined && route.routeArgs("add", w).join(" ") === line.replace(/^route replace /, "route add "));
    if (r && e.kind === "exists" && (await route.installed(c.x, ns, [r])).length === 0) {
      // Not one of ours (protocol 78) in its place: someone else's route.
      throw new NotOursError({ what: `a route to ${r.destination} (metric ${r.metric ?? 0})`, where: `in namespace "${ns}"` });
    }
    throw r ? route.explain(e, r, ns) : e;
  }
}

export const routeTable = defineKind({
  inputs,
  outputs: {},
  replaceOn: ["namespace"],
  inPlace: ["routes", "addresses"],
  same: {
    routes: (a, b) => route.plan(specs(a), specs(b)).length === 0,
    addresses: (a, b) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []),
  },
  namespaces: (i) => [i.namespace],
  makes: ["in"],
  provides: (i) => [{ kind: "in", ns: i.namespace }],
  needs: (i) => routeNeeds(i.namespace, specs(i.routes)),
  remark: "unmarked",
  title: (i) => `routes of ${i.namespace}`,
  id: (i) => `${i.namespace}/routes`,

  async create(c, i, undo) {
    const want = specs(i.routes);
    // If the batch stops midway, what went in is taken back.
    undo.push(async () => route.apply(c.x, i.namespace, route.plan(await route.installed(c.x, i.namespace, want), []), `roll back routes in ${i.namespace}`));
    await converge(c, i.namespace, [], want, `install ${want.length} routes in ${i.namespace}`);
    return {};
  },

  // Routes with our protocol at these destinations are this table's: converge from them.
  found: async (c, i) => ({ marker: c.mark, what: `routes of namespace "${i.namespace}"` }),

  async adopt(c, i) {
    const want = specs(i.routes);
    await converge(c, i.namespace, await route.installed(c.x, i.namespace, want), want, `install ${want.length} routes in ${i.namespace}`);
    return {};
  },

  async read(c, props) {
    return { routes: (await route.installed(c.x, props.namespace, specs(props.routes))).map(routeToText) };
  },

  async update(c, olds, news) {
    // What is really installed now (not what the state says): routes the kernel dropped come back.
    const have = await route.installed(c.x, news.namespace, specs(olds.routes));
    await converge(c, news.namespace, have, specs(news.routes), `update routes in ${news.namespace}`);
    return {};
  },

  async delete(c, props) {
    const have = await route.installed(c.x, props.namespace, specs(props.routes));
    await route.apply(c.x, props.namespace, route.plan(have, []), `remove routes from ${props.namespace}`);
  },
});
