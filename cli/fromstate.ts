/**
 * The lab of any program, read from its stack's resources, for a stack that exports no `description`
 * (raw resources, no Lab component): a node per network namespace (named by the namespace), its
 * interfaces from the cables and addresses in it, a link per VethLink, its processes and NAT.
 * A namespace with forwarding on is a router, one holding only a bridge a switch, any other a host.
 * Pure: the CLI's graph, verify, status, exec and logs take what it returns.
 */
import type { InterfaceInfo, LabDescription, MachineInfo, Role } from "../provider/components/description";
import type { StateResource } from "./stack";
import { Machine, machineOf } from "../provider/machine";

type Node = LabDescription["nodes"][number];

/** A resource's `machine` input as a lab's machine (named by its host). */
const labMachine = (m: Machine | undefined): MachineInfo | undefined => (m?.host ? { name: m.host, ...machineOf(m), address: m.host } : undefined);

export function labFromResources(name: string, resources: StateResource[]): LabDescription {
  const nodes = new Map<string, Node>();
  const keyOf = (ns: string, m?: MachineInfo) => (m ? `${m.host}/${ns}` : ns);
  const nodeOf = (ns: string, machine?: unknown): Node => {
    const m = labMachine(machine as Machine | undefined);
    const k = keyOf(ns, m);
    let n = nodes.get(k);
    if (!n) nodes.set(k, (n = { name: ns, role: "host", namespace: ns, interfaces: [], ...(m ? { machine: m } : {}) }));
    return n;
  };
  const iface = (n: Node, dev: string, peer = ""): InterfaceInfo => {
    let i = n.interfaces.find((x) => x.name === dev);
    if (!i) n.interfaces.push((i = { name: dev, peer }));
    else if (peer && !i.peer) i.peer = peer;
    return i;
  };
  const of = (kind: string) => resources.filter((r) => r.kind === kind).map((r) => ({ ...r, i: { ...r.outputs, ...r.inputs } as Record<string, any> }));

  for (const r of of("NetNamespace")) nodeOf(r.i.name, r.i.machine);
  for (const r of of("NodeFilesystem")) nodeOf(r.i.namespace, r.i.machine).filesystem = true;
  const links: LabDescription["links"] = [];
  for (const r of of("VethLink")) {
    // An end in the machine's root namespace (peerInRoot): an interface of the node whose peer is "host", no cable.
    if (r.i.peerInRoot) {
      iface(nodeOf(r.i.namespace, r.i.machine), r.i.name, "host");
      continue;
    }
    const [a, b] = [nodeOf(r.i.namespace, r.i.machine), nodeOf(r.i.peerNamespace, r.i.machine)];
    iface(a, r.i.name, b.name);
    iface(b, r.i.peerName, a.name);
    links.push({ name: r.name, ends: [{ node: a.name, interface: r.i.name }, { node: b.name, interface: r.i.peerName }] });
  }
  for (const r of [...of("VxlanLink"), ...of("Bridge")]) iface(nodeOf(r.i.namespace, r.i.machine), r.i.name);
  for (const r of of("IpAddress")) {
    const i = iface(nodeOf(r.i.namespace, r.i.machine), r.i.device);
    (i.addresses ??= []).push(r.i.address);
    i.address = i.addresses[0];
  }
  for (const l of links) {
    for (const e of l.ends) {
      const i = [...nodes.values()].find((n) => n.name === e.node)?.interfaces.find((x) => x.name === e.interface);
      if (i?.addresses?.length) Object.assign(e, { address: i.addresses[0], ...(i.addresses.length > 1 ? { addresses: i.addresses } : {}) });
    }
  }
  for (const i of [...nodes.values()].flatMap((n) => n.interfaces)) if (i.addresses?.length === 1) delete i.addresses;
  for (const r of of("IpForwarding")) if (r.i.ipv4 || r.i.ipv6) nodeOf(r.i.namespace, r.i.machine).role = "router";
  for (const r of of("Bridge")) {
    const n = nodeOf(r.i.namespace, r.i.machine);
    if (n.role === "host" && !n.interfaces.some((i) => i.address)) n.role = "switch" as Role;
  }
  for (const r of of("Nat")) (nodeOf(r.i.namespace, r.i.machine).nat ??= []).push({ source: r.i.source, out: r.i.outInterface, ...(r.i.to ? { to: r.i.to } : {}) });
  for (const r of of("Process")) (nodeOf(r.i.namespace, r.i.machine).processes ??= []).push({ name: r.name, resource: r.name, command: r.i.command });
  return { name, nodes: [...nodes.values()], links };
}
