/**
 * The curo NAT lab (the book's later chapters): two PCs on a LAN behind router1, which translates
 * their addresses on the way to router2. router2 has no route back to 192.168.1.0/24, so host1
 * reaches host2 only through NAT: host2 sees router1's 192.168.0.1.
 *
 *   host1 ─┐                                                    
 *          ├─ br0 ─ router1 ══NAT══ router2 ───────── host2
 *   host3 ─┘  192.168.1.0/24  192.168.0.0/24  192.168.2.0/24
 *
 * `kernel` mode: router1 routes and masquerades in its kernel. `external` mode: router1 bare (links
 * up, offloads off, no address, route, forwarding or NAT), for a user-space router that does it all.
 */
import { Lab, LabOptions } from "netns-lab";
import type { CuroMode } from "./curo";

export function curoNat(mode: CuroMode, options: LabOptions = {}) {
  const kernel = mode === "kernel";
  const offload = { rx: false, tx: false }; // AF_PACKET readers see unfinished checksums otherwise

  const lab = new Lab("curo-nat", options);
  const host1 = lab.host("host1");
  const host3 = lab.host("host3");
  const router1 = lab.router("router1", { forwarding: kernel });
  const router2 = lab.router("router2");
  const host2 = lab.host("host2");

  lab.lan("br0", [[host1, "192.168.1.2/24"], [host3, "192.168.1.3/24"], [router1, kernel ? "192.168.1.1/24" : undefined]], { offload });
  lab.link(router1, router2, { addresses: [kernel ? "192.168.0.1/24" : undefined, "192.168.0.2/24"], offload });
  lab.link(router2, host2, { addresses: ["192.168.2.1/24", "192.168.2.2/24"], offload });

  host1.routes([{ destination: "default", via: "192.168.1.1" }]);
  host3.routes([{ destination: "default", via: "192.168.1.1" }]);
  if (kernel) {
    router1.routes([{ destination: "192.168.2.0/24", via: "192.168.0.2" }]);
    router1.nat({ source: "192.168.1.0/24", out: "router1-router2" });
  }
  // No route to 192.168.1.0/24: replies reach host1 only because router1 translated its address.
  host2.routes([{ destination: "default", via: "192.168.2.1" }]);

  // Nothing outside reaches into the private LAN (there is no route to it)...
  for (const outside of [router2, host2]) lab.expectUnreachable(outside, "192.168.1.0/24");
  if (!kernel) {
    // ...and without a user-space router in router1, nothing from the LAN crosses it either.
    for (const inside of [host1, host3]) for (const outside of [router2, host2]) lab.expectUnreachable(inside, outside, { oneWay: true });
  }

  return { lab, from: host1, to: "192.168.2.2" };
}
