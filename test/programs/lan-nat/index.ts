// A LAN behind NAT, declared in the wrong order on purpose: a hosts file first, NAT before the
// interface it leaves by, each bridge port before its bridge, the namespaces last.
//
//   a ─┐
//      ├─ lan (bridge in sw) ─ r ══NAT══ o      a, b, r on 10.50.0.0/24; r-o on 10.60.0.0/24
//   b ─┘
import * as pulumi from "@pulumi/pulumi";
import { Bridge, HostsFile, IpAddress, IpForwarding, Nat, NetNamespace, RouteTable, VethLink } from "netns-lab";

const p = pulumi.getStack();
const ns = (n: string) => `${p}-${n}`;

new HostsFile("a-hosts", { namespace: ns("a"), entries: { o: ["10.60.0.2"], b: ["10.50.0.3"] } });
new Nat("r-nat", { namespace: ns("r"), source: "10.50.0.0/24", outInterface: "out" });
for (const m of ["a", "b", "r"]) {
  new VethLink(`${m}-port`, { name: "lan0", namespace: ns(m), peerName: `port-${m}`, peerNamespace: ns("sw"), peerMaster: "lan" });
}
new Bridge("lan", { namespace: ns("sw"), name: "lan" });
new RouteTable("a-routes", { namespace: ns("a"), routes: ["default via 10.50.0.1"] });
new RouteTable("b-routes", { namespace: ns("b"), routes: [{ destination: "default", via: "10.50.0.1" }] });
new IpAddress("a-addr", { namespace: ns("a"), device: "lan0", address: "10.50.0.2/24" });
new IpAddress("b-addr", { namespace: ns("b"), device: "lan0", address: "10.50.0.3/24" });
new IpAddress("r-lan", { namespace: ns("r"), device: "lan0", address: "10.50.0.1/24" });
new IpAddress("r-out", { namespace: ns("r"), device: "out", address: "10.60.0.1/24" });
new IpAddress("o-addr", { namespace: ns("o"), device: "in", address: "10.60.0.2/24" });
new VethLink("r-o", { name: "out", namespace: ns("r"), peerName: "in", peerNamespace: ns("o") });
new IpForwarding("r-fwd", { namespace: ns("r"), ipv4: true });
for (const n of ["a", "b", "r", "o", "sw"]) new NetNamespace(ns(n));

// o has no route back to the LAN: a's ping to o answers only through r's NAT.
export const ping = [ns("a"), "10.60.0.2"];
