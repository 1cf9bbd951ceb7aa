// One of every kind, raw, plain-string names, no dependsOn: what lives in a namespace (cables,
// a bridge, addresses, routes, forwarding, NAT, shaping) is deleted with it (the engine skips their
// deletes: deletedWith); what outlives a namespace (a process, a file, a hosts file) is deleted on
// its own. A process someone starts by hand in a namespace (test/e2e/deletedwith.test.ts) is ended
// with it.
//
//   a ── lan (bridge in r) ── r ══NAT══ o        a on 10.70.0.0/24, r-o on 10.71.0.0/24
import * as pulumi from "@pulumi/pulumi";
import { Bridge, File, HostsFile, IpAddress, IpForwarding, Nat, NetNamespace, Process, Route, TrafficShaping, VethLink } from "netns-lab";

const p = pulumi.getStack();
const ns = (n: string) => `${p}-${n}`;
const dir = `/run/netns-lab-tests/${p}`;

new Process("a-sleeper", { namespace: ns("a"), command: ["/bin/sh", `${dir}/sleep.sh`] });
new File("a-script", { path: `${dir}/sleep.sh`, content: "exec sleep 600\n" });
new HostsFile("a-hosts", { namespace: ns("a"), entries: { o: ["10.71.0.2"] } });
new TrafficShaping("a-shape", { namespace: ns("a"), device: "eth0", rate: "100mbit" });
new Route("a-default", { namespace: ns("a"), destination: "default", via: "10.70.0.1" });
new Nat("r-nat", { namespace: ns("r"), source: "10.70.0.0/24", outInterface: "out" });
new VethLink("a-r", { name: "eth0", namespace: ns("a"), peerName: "port-a", peerNamespace: ns("r"), peerMaster: "lan" });
new Bridge("lan", { namespace: ns("r"), name: "lan" });
new IpAddress("a-addr", { namespace: ns("a"), device: "eth0", address: "10.70.0.2/24" });
new IpAddress("r-lan", { namespace: ns("r"), device: "lan", address: "10.70.0.1/24" });
new IpAddress("r-out", { namespace: ns("r"), device: "out", address: "10.71.0.1/24" });
new IpAddress("o-addr", { namespace: ns("o"), device: "in", address: "10.71.0.2/24" });
new VethLink("r-o", { name: "out", namespace: ns("r"), peerName: "in", peerNamespace: ns("o") });
new IpForwarding("r-fwd", { namespace: ns("r"), ipv4: true });
for (const n of ["a", "r", "o"]) new NetNamespace(ns(n));

export const ping = [ns("a"), "10.71.0.2"];
