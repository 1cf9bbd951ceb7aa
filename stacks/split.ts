/**
 * The split lab: the curo lab over two machines. host1 and router1 on m1, router2 and host2 on m2;
 * the router1 – router2 cable crosses between them as a VXLAN tunnel (MTU 1450).
 *
 *   m1: host1 ── router1 ┄┄┄┄ VXLAN ┄┄┄┄ router2 ── host2 :m2
 *        192.168.1.0/24    192.168.0.0/24    192.168.2.0/24
 *
 * The machines come from config netns-lab:machines, { "m1": { host, port?, user?, privateKeyFile?,
 * hostKey?, address? }, "m2": … }; by default the simulated machines of `make sim-machines`
 * (10.250.0.1, 10.250.0.2, root with the key .sim/id_ed25519, their host key pinned).
 */
import * as fs from "fs";
import * as path from "path";
import { Lab, LabOptions, MachineOptions } from "netns-lab";

/** The simulated machines, with the key and host key `make sim-machines` made in this checkout. */
export function simMachines(checkout: string): Record<string, MachineOptions> {
  const sim = path.join(checkout, ".sim");
  const hostKeyFile = path.join(sim, "host_key");
  if (!fs.existsSync(hostKeyFile)) throw new Error(`the split lab runs on the simulated machines by default: run \`make sim-machines\` first (no ${hostKeyFile}), or set netns-lab:machines`);
  const hostKey = fs.readFileSync(hostKeyFile, "utf8").trim();
  const privateKeyFile = path.join(sim, "id_ed25519");
  return { m1: { host: "10.250.0.1", privateKeyFile, hostKey }, m2: { host: "10.250.0.2", privateKeyFile, hostKey } };
}

/** `mtu`: of the cable between the machines (default 1450: the underlay's 1500 less VXLAN's 50). */
export function split(machines: Record<string, MachineOptions>, options: LabOptions = {}, mtu?: number) {
  for (const m of ["m1", "m2"]) if (!machines[m]) throw new Error(`netns-lab:machines must define ${m} (and m2): { "m1": { "host": … }, "m2": … }`);
  const lab = new Lab("split", options);
  const m1 = lab.machine("m1", machines.m1);
  const m2 = lab.machine("m2", machines.m2);
  const host1 = lab.host("host1", { machine: m1 });
  const router1 = lab.router("router1", { machine: m1 });
  const router2 = lab.router("router2", { machine: m2 });
  const host2 = lab.host("host2", { machine: m2 });

  lab.link(host1, router1, { addresses: ["192.168.1.2/24", "192.168.1.1/24"] });
  lab.link(router1, router2, { addresses: ["192.168.0.1/24", "192.168.0.2/24"], mtu });
  lab.link(router2, host2, { addresses: ["192.168.2.1/24", "192.168.2.2/24"] });

  host1.routes([{ destination: "default", via: "192.168.1.1" }]);
  router1.routes([{ destination: "192.168.2.0/24", via: "192.168.0.2" }]);
  router2.routes([{ destination: "default", via: "192.168.0.1" }]);
  host2.routes([{ destination: "default", via: "192.168.2.1" }]);
  return { lab, from: host1, to: "192.168.2.2" };
}
