// Four namespaces in a line, declared backwards: routes first, then forwarding, addresses, cables,
// and the namespaces last. Nothing says what comes first but what each resource names.
import * as pulumi from "@pulumi/pulumi";
import { IpAddress, IpForwarding, NetNamespace, Route, VethLink } from "netns-lab";

const p = pulumi.getStack();
const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => `${p}-${n}`);

new Route("a-default", { namespace: a, destination: "default", via: "10.201.1.2" });
new Route("b-to-cd", { namespace: b, destination: "10.201.3.0/24", via: "10.201.2.2" });
new Route("c-to-ab", { namespace: c, destination: "10.201.1.0/24", via: "10.201.2.1" });
new Route("d-default", { namespace: d, destination: "default", via: "10.201.3.1" });
new IpForwarding("b-fwd", { namespace: b, ipv4: true });
new IpForwarding("c-fwd", { namespace: c, ipv4: true });
new IpAddress("a-1", { namespace: a, device: "to-b", address: "10.201.1.1/24" });
new IpAddress("b-1", { namespace: b, device: "to-a", address: "10.201.1.2/24" });
new IpAddress("b-2", { namespace: b, device: "to-c", address: "10.201.2.1/24" });
new IpAddress("c-2", { namespace: c, device: "to-b", address: "10.201.2.2/24" });
new IpAddress("c-3", { namespace: c, device: "to-d", address: "10.201.3.1/24" });
new IpAddress("d-3", { namespace: d, device: "to-c", address: "10.201.3.2/24" });
new VethLink("ab", { name: "to-b", namespace: a, peerName: "to-a", peerNamespace: b });
new VethLink("bc", { name: "to-c", namespace: b, peerName: "to-b", peerNamespace: c });
new VethLink("cd", { name: "to-d", namespace: c, peerName: "to-c", peerNamespace: d });
for (const n of [a, b, c, d]) new NetNamespace(n);

export const ping = [a, "10.201.3.2"];
