// Components with the mistakes of a new user's first hour (issue 35), one chosen by config `mistake`:
//   gateway  a route via an address in no subnet of the node: refused before anything is made
//   overlap  a router with one subnet on two links: a warning naming both, the lab still made
//   option   a misspelled option: refused, naming the closest known one
//   (none)   the lab as meant
import * as pulumi from "@pulumi/pulumi";
import { Lab } from "netns-lab";

const mistake = new pulumi.Config().get("mistake");
const lab = new Lab("first-hour", { namespacePrefix: `${pulumi.getStack()}-` });
const h1 = lab.host("h1"), r1 = lab.router("r1"), h2 = lab.host("h2");
lab.link(h1, r1, { addresses: ["10.67.1.2/24", "10.67.1.1/24"] });
if (mistake === "option") lab.link(r1, h2, { adresses: ["10.67.2.1/24", "10.67.2.2/24"] } as never);
else lab.link(r1, h2, { addresses: mistake === "overlap" ? ["10.67.1.5/24", "10.67.1.6/24"] : ["10.67.2.1/24", "10.67.2.2/24"] });
h1.routes([{ destination: "default", via: mistake === "gateway" ? "10.67.9.1" : "10.67.1.1" }]);
h2.routes([{ destination: "default", via: mistake === "overlap" ? "10.67.1.5" : "10.67.2.1" }]);
export const ping = [h1.nsName, "10.67.2.2"];
