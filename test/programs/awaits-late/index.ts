// The wrong way round: a cable declared before an await, the namespaces it needs after it. The
// cable was registered before they were declared, so nothing orders it after them: the program fails
// at once, naming both and what to do.
import * as pulumi from "@pulumi/pulumi";
import { NetNamespace, VethLink } from "netns-lab";

export = async () => {
  const p = pulumi.getStack();
  const [a, b] = [`${p}-a`, `${p}-b`];
  new VethLink("ab", { name: "to-b", namespace: a, peerName: "to-a", peerNamespace: b });
  await new Promise((r) => setTimeout(r, 50));
  new NetNamespace(a);
  new NetNamespace(b);
};
