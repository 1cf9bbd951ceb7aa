// A good part (two namespaces and a cable) and one mistake: a route whose gateway no declared
// address reaches. up must fail at once on that route, naming the gateway. (Config mistake=no leaves
// it out: the good part alone, for comparison.)
import * as pulumi from "@pulumi/pulumi";
import { IpAddress, NetNamespace, Route, VethLink } from "netns-lab";

const p = pulumi.getStack();
const [a, b] = [`${p}-a`, `${p}-b`];
if (new pulumi.Config().get("mistake") !== "no") new Route("wrong", { namespace: a, destination: "10.99.0.0/24", via: "10.204.9.1" });
new Route("right", { namespace: a, destination: "10.98.0.0/24", via: "10.204.1.2" });
new IpAddress("a-addr", { namespace: a, device: "to-b", address: "10.204.1.1/24" });
new IpAddress("b-addr", { namespace: b, device: "to-a", address: "10.204.1.2/24" });
new VethLink("ab", { name: "to-b", namespace: a, peerName: "to-a", peerNamespace: b });
new NetNamespace(a);
new NetNamespace(b);
