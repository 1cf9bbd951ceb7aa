// A user's own program of two FRR routers run as containers (each with a NodeFilesystem: its own
// /etc/frr, frr.conf bound read-only from the project; FRR's daemons without a pathspace), OSPF
// between them over one cable. Raw resources, daemons first, namespaces last: the order of a
// program's lines does not matter. The files of its project directory, by name.
export function frrContainersProgram(o: { project: string; prefix: string; subnet: string }): Record<string, string> {
  const conf = (r: string, host: number, id: string) =>
    [`hostname ${r}`, "interface eth0", ` ip address ${o.subnet}.${host}/30`, " ip ospf area 0", " ip ospf network point-to-point", "router ospf", ` ospf router-id ${id}`, ""].join("\n");
  const daemon = (r: string, d: string, after?: string) =>
    `new Process("${r}-${d}", { namespace: P + "${r}", filesystem: true, command: ["/usr/lib/frr/${d}", "-f", "/etc/frr/frr.conf", "-u", "frr", "-g", "frr", "-A", "127.0.0.1"]${after ? `, after: ["${r}-${after}"]` : ""} });`;
  return {
    "Pulumi.yaml": `name: ${o.project}\nruntime: nodejs\nmain: index.ts\n`,
    "package.json": JSON.stringify({ name: o.project, private: true }),
    "r1.conf": conf("r1", 1, "1.1.1.1"),
    "r2.conf": conf("r2", 2, "2.2.2.2"),
    "index.ts": [
      `import { NetNamespace, NodeFilesystem, Process, VethLink } from "netns-lab";`,
      `const P = "${o.prefix}";`,
      ...["r1", "r2"].flatMap((r) => [daemon(r, "ospfd", "zebra"), daemon(r, "zebra")]),
      ...["r1", "r2"].map((r) => `new NodeFilesystem("${r}-fs", { namespace: P + "${r}", binds: [{ source: __dirname + "/${r}.conf", target: "/etc/frr/frr.conf", readOnly: true }] });`),
      `new VethLink("cable", { name: "eth0", namespace: P + "r1", peerName: "eth0", peerNamespace: P + "r2" });`,
      `for (const r of ["r1", "r2"]) new NetNamespace(r, { name: P + r });`,
    ].join("\n"),
  };
}
