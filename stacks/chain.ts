/**
 * The chain lab: h1 - r1 - r2 - … - rN - h2, link i on 10.0.i.0/24 (left end .1, right end .2),
 * forwarding on every router and a static route on every router to every subnet it is not on.
 * No hosts files (see below).
 */
import { Lab, LabNode, LabOptions, MachineOptions, RouteSpec } from "netns-lab";

export const subnet = (i: number) => `10.${Math.floor(i / 256)}.${i % 256}`;

/**
 * `over`: two machines { m1, m2 } to split the chain over (h1 and the first half of the routers on
 * m1, the rest and h2 on m2; the cable between the halves a VXLAN tunnel), for the benchmark.
 */
export function chain(routers: number, options: LabOptions = {}, over?: Record<string, MachineOptions>) {
  if (!Number.isInteger(routers) || routers < 1 || routers > 250) {
    throw new Error(`chain: routers must be a whole number from 1 to 250 (got ${routers})`);
  }
  // No hosts files: every one lists the whole lab, so one changed address would touch all N+2 of
  // them; the chain is the benchmark's topology, and its numbered nodes are reached by address.
  const lab = new Lab("chain", { hosts: false, ...options });
  const [m1, m2] = over ? [lab.machine("m1", over.m1), lab.machine("m2", over.m2)] : [undefined, undefined];
  const half = Math.ceil(routers / 2);
  const nodes: LabNode[] = [lab.host("h1", { machine: m1 })];
  for (let i = 1; i <= routers; i++) nodes.push(lab.router(`r${i}`, { machine: i <= half ? m1 : m2 }));
  nodes.push(lab.host("h2", { machine: m2 }));

  // Link i joins nodes[i] and nodes[i+1].
  for (let i = 0; i <= routers; i++) {
    lab.link(nodes[i], nodes[i + 1], { addresses: [`${subnet(i)}.1/24`, `${subnet(i)}.2/24`] });
  }

  nodes[0].routes([{ destination: "default", via: `${subnet(0)}.2` }]);
  nodes[routers + 1].routes([{ destination: "default", via: `${subnet(routers)}.1` }]);
  for (let r = 1; r <= routers; r++) {
    // Router r sits on links r-1 (left, as .2) and r (right, as .1).
    const routes: RouteSpec[] = [];
    for (let j = 0; j <= routers; j++) {
      if (j < r - 1) routes.push({ destination: `${subnet(j)}.0/24`, via: `${subnet(r - 1)}.1` });
      if (j > r) routes.push({ destination: `${subnet(j)}.0/24`, via: `${subnet(r)}.2` });
    }
    if (routes.length) nodes[r].routes(routes);
  }
  return { lab, from: nodes[0], to: `${subnet(routers)}.2` };
}
