// A small lab: h1 - r1 - h2, each a network namespace, joined by veth pairs. Change it, then
// `pulumi preview` shows exactly what `pulumi up` will change.
import * as pulumi from "@pulumi/pulumi";
import { Lab } from "netns-lab";

const config = new pulumi.Config();
// Namespace names are global on a machine: the prefix keeps two stacks' labs apart.
const prefix = config.get("prefix") || `${pulumi.getProject()}-${pulumi.getStack()}-`;

const lab = new Lab("lab", { namespacePrefix: prefix });
const h1 = lab.host("h1");
const r1 = lab.router("r1");
const h2 = lab.host("h2");

lab.link(h1, r1, { addresses: ["10.0.1.2/24", "10.0.1.1/24"] });
lab.link(r1, h2, { addresses: ["10.0.2.1/24", "10.0.2.2/24"] });

h1.routes([{ destination: "default", via: "10.0.1.1" }]);
h2.routes([{ destination: "default", via: "10.0.2.1" }]);

/** The lab as data: what `netns-lab graph`, `verify` and `status` read. */
export const description = lab.describe();
/** A ping from h1 to h2, ready to paste. */
export const ping = `ip netns exec ${h1.nsName} ping -c 3 -W 1 10.0.2.2`;
