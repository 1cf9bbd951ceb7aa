// A program that awaits between its declarations (reading a file, a timer): what comes after an
// await may need what came before it, and is ordered after it.
import * as pulumi from "@pulumi/pulumi";
import { promises as fs } from "fs";
import { IpAddress, NetNamespace, Route, VethLink } from "netns-lab";

export = async () => {
  const p = pulumi.getStack();
  const [a, b] = [`${p}-a`, `${p}-b`];
  new NetNamespace(a);
  new NetNamespace(b);
  await fs.readFile(__filename);
  new VethLink("ab", { name: "to-b", namespace: a, peerName: "to-a", peerNamespace: b });
  await new Promise((r) => setTimeout(r, 50));
  new IpAddress("a-addr", { namespace: a, device: "to-b", address: "10.205.1.1/24" });
  new IpAddress("b-addr", { namespace: b, device: "to-a", address: "10.205.1.2/24" });
  await Promise.resolve();
  // And inside a callback, once an output is known.
  pulumi.output(a).apply((ns) => new Route("a-far", { namespace: ns, destination: "10.205.9.0/24", via: "10.205.1.2" }));
  return { ping: [a, "10.205.1.2"] };
};
