/**
 * RouteTable: all static routes of one namespace, applied in one `ip -batch` call; an update adds,
 * changes and removes only the routes that differ. Same ownership marker as Route (protocol 78).
 */
import { z } from "zod";
import { ipBatch, KernelError, namespaceExists } from "../kernel";
import { checkFields, cidr, Kind, nsname, owner } from "./common";
import { isV6, match, ourRoutes, RouteSpec, routeArgs, routeKey, routeSpec } from "./route";

const routes = z.array(routeSpec).superRefine((rs, ctx) => {
  const seen = new Set<string>();
  rs.forEach((r, i) => {
    const k = routeKey(r);
    if (seen.has(k)) ctx.addIssue({ code: "custom", path: [i, "destination"], message: `duplicate route to ${r.destination} (metric ${r.metric ?? 0})` });
    seen.add(k);
  });
});

const families = (rs: RouteSpec[]): Array<4 | 6> => [...new Set(rs.map((r) => (isV6(r) ? 6 : 4) as 4 | 6))];
const clean = (rs: RouteSpec[]) => rs.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as RouteSpec);

/** The batch lines that turn `have` into `want`. */
export function plan(have: RouteSpec[], want: RouteSpec[]): string[] {
  const h = new Map(have.map((r) => [routeKey(r), r]));
  const w = new Map(want.map((r) => [routeKey(r), r]));
  const lines: string[] = [];
  for (const [k, r] of h) if (!w.has(k)) lines.push(routeArgs("del", r).join(" "));
  for (const [k, r] of w) {
    const old = h.get(k);
    if (!old) lines.push(routeArgs("add", r).join(" "));
    else if (old.via !== r.via || old.device !== r.device) lines.push(routeArgs("replace", r).join(" "));
  }
  return lines;
}

async function installed(ns: string, want: RouteSpec[]): Promise<RouteSpec[]> {
  const found = await ourRoutes(ns, families(want));
  return clean(want.map((r) => match(found, r)).filter((r): r is RouteSpec => r !== undefined));
}

export const routeTable: Kind = {
  async check(_olds, news) {
    const r = checkFields(news, { namespace: nsname, routes, owner, addresses: z.array(cidr) }, ["namespace", "routes", "owner"]);
    if (Array.isArray(r.inputs.routes)) r.inputs.routes = clean(r.inputs.routes);
    return r;
  },

  async diff(_id, olds, news) {
    const replaces = olds.namespace !== news.namespace ? ["namespace"] : [];
    // A changed address of the namespace re-applies the table: when the kernel removes the last
    // address of a subnet it also removes every route through a gateway in that subnet.
    const readdressed = JSON.stringify(olds.addresses ?? []) !== JSON.stringify(news.addresses ?? []);
    const changed = plan(olds.routes ?? [], news.routes ?? []).length > 0 || olds.owner !== news.owner || readdressed;
    return { changes: replaces.length > 0 || changed, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    const ns = inputs.namespace;
    if (!namespaceExists(ns)) throw new Error(`cannot install routes: network namespace "${ns}" does not exist`);
    const doing = { doing: `install ${inputs.routes.length} routes in ${ns}` };
    try {
      await ipBatch(ns, plan([], inputs.routes), doing);
    } catch (first) {
      // Some of our routes may already be there (an interrupted run): converge from what is
      // installed. If that fails too, take back whatever part went in, so a failed create leaves nothing.
      try {
        if (!(first instanceof KernelError && first.kind === "exists")) throw first;
        await ipBatch(ns, plan(await installed(ns, inputs.routes), inputs.routes), doing);
      } catch (e) {
        await ipBatch(ns, plan(await installed(ns, inputs.routes), [])).catch(() => undefined);
        throw e;
      }
    }
    return { id: `${ns}/routes`, outs: { ...inputs } };
  },

  async read(id, props) {
    if (!namespaceExists(props.namespace)) return {};
    return { id, props: { ...props, routes: await installed(props.namespace, props.routes ?? []) } };
  },

  async update(_id, olds, news) {
    // What is really installed now (not what the state says): routes the kernel dropped come back.
    const have = await installed(news.namespace, olds.routes ?? []);
    await ipBatch(news.namespace, plan(have, news.routes), { doing: `update routes in ${news.namespace}` });
    return { outs: { ...news } };
  },

  async delete(_id, props) {
    if (!namespaceExists(props.namespace)) return;
    const have = await installed(props.namespace, props.routes ?? []);
    await ipBatch(props.namespace, plan(have, []), { doing: `remove routes from ${props.namespace}` });
  },
};
