// The lab itself, as a function of the namespace prefix: the stack program (index.ts) and the test
// (lab.test.ts) build the same lab. A small lab: h1 - r1 - h2, each a network namespace, joined by
// veth pairs. Change it, then `pulumi preview` shows exactly what `pulumi up` will change.
import { Lab } from "netns-lab";

export function buildLab(prefix: string): Lab {
  const lab = new Lab("lab", { namespacePrefix: prefix });
  const h1 = lab.host("h1");
  const r1 = lab.router("r1");
  const h2 = lab.host("h2");

  lab.link(h1, r1, { addresses: ["10.0.1.2/24", "10.0.1.1/24"] });
  lab.link(r1, h2, { addresses: ["10.0.2.1/24", "10.0.2.2/24"] });

  h1.routes([{ destination: "default", via: "10.0.1.1" }]);
  h2.routes([{ destination: "default", via: "10.0.2.1" }]);
  return lab;
}
