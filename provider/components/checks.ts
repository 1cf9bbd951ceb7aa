/**
 * Mistakes in a lab's addressing that the kernel takes without a word, found from the program's own
 * constants once its declarations settle (before anything is made): a route whose gateway no address
 * of the node reaches, and two interfaces of one node in overlapping subnets. Pure.
 */
import { RouteSpec } from "../kernel/route";
import { contains, networkOf, parseCidr } from "../net";
import { addressesOf, InterfaceInfo } from "./description";

/**
 * The routes of `node` whose gateway is in no subnet of its addresses, one message each. A route that
 * names its device is the user's own business (a gateway reached by an address made elsewhere).
 */
export function unreachableGateways(node: string, routes: RouteSpec[], addresses: string[]): string[] {
  const out: string[] = [];
  for (const r of routes) {
    if (!r.via || r.device) continue;
    if (addresses.some((a) => contains(a, r.via!))) continue;
    out.push(
      `node ${node}: the route to ${r.destination} goes via ${r.via}, which is in no subnet of the node's addresses (${addresses.length ? addresses.join(", ") : "it has none"}): give a link of the node an address in ${r.via}'s subnet, or correct the gateway`,
    );
  }
  return out;
}

/**
 * Pairs of addresses on two different interfaces of one node whose subnets overlap (the same /24
 * twice, or a /24 inside a /16): the node gets two routes to one network, and what lies behind one
 * of them is unreachable. Host addresses (/32, /128: unnumbered links) are left out.
 */
export function overlappingSubnets(node: string, interfaces: InterfaceInfo[]): string[] {
  const all: Array<{ ifname: string; cidr: string; prefix: number }> = [];
  for (const i of interfaces) {
    if (i.name === "lo") continue;
    for (const cidr of addressesOf(i)) {
      const p = parseCidr(cidr);
      if (!p || p.prefix === (p.family === 4 ? 32 : 128)) continue;
      all.push({ ifname: i.name, cidr, prefix: p.prefix });
    }
  }
  const out: string[] = [];
  for (let x = 0; x < all.length; x++) {
    for (let y = x + 1; y < all.length; y++) {
      const [a, b] = [all[x], all[y]];
      if (a.ifname === b.ifname) continue;
      const [wide, narrow] = a.prefix <= b.prefix ? [a, b] : [b, a];
      if (!contains(wide.cidr, networkOf(narrow.cidr).split("/")[0])) continue;
      out.push(
        `node ${node}: ${a.cidr} on ${a.ifname} and ${b.cidr} on ${b.ifname} are in overlapping subnets (${networkOf(a.cidr)}, ${networkOf(b.cidr)}): the node gets two routes to one network and cannot reach what is behind one of them; give each link a subnet of its own`,
      );
    }
  }
  return out;
}
