/**
 * The curo lab (../shared/reference/curo-lab.md): host1 - router1 - router2 - host2.
 *
 *   host1 ──────── router1 ──────── router2 ──────── host2
 *      192.168.1.0/24   192.168.0.0/24   192.168.2.0/24
 *
 * router1 in `kernel` mode is an ordinary kernel router; in `external` mode its kernel gets no
 * addresses, route or forwarding: links up, offloads off, ready for a user-space router.
 */
import { Lab, LabOptions } from "netns-lab";

export type CuroMode = "kernel" | "external";

/**
 * `router`: in external mode, the user-space router to run in router1 (a command: the program and
 * its arguments), with router1's host name; it starts once router1's links are up.
 */
export function curo(mode: CuroMode, options: LabOptions = {}, router?: string[]) {
  const kernel = mode === "kernel";
  const offload = { rx: false, tx: false }; // AF_PACKET readers see unfinished checksums otherwise

  const lab = new Lab("curo", options);
  const host1 = lab.host("host1");
  const router1 = lab.router("router1", { forwarding: kernel });
  const router2 = lab.router("router2");
  const host2 = lab.host("host2");

  lab.link(host1, router1, { addresses: ["192.168.1.2/24", kernel ? "192.168.1.1/24" : undefined], offload });
  lab.link(router1, router2, { addresses: [kernel ? "192.168.0.1/24" : undefined, "192.168.0.2/24"], offload });
  lab.link(router2, host2, { addresses: ["192.168.2.1/24", "192.168.2.2/24"], offload });

  host1.routes([{ destination: "default", via: "192.168.1.1" }]);
  if (kernel) router1.routes([{ destination: "192.168.2.0/24", via: "192.168.0.2" }]);
  router2.routes([{ destination: "default", via: "192.168.0.1" }]);
  host2.routes([{ destination: "default", via: "192.168.2.1" }]);

  if (!kernel && router?.length) {
    router1.run("router", router, { hostname: true });
  } else if (!kernel) {
    // Until a user-space router runs in router1, nothing crosses it.
    lab.expectUnreachable(host1, router2);
    lab.expectUnreachable(host1, host2);
  }

  return { lab, from: host1, to: "192.168.2.2" };
}
