// The stack program: the lab of lab.ts, its namespaces named with a prefix from config.
import * as pulumi from "@pulumi/pulumi";
import { buildLab } from "./lab";

const config = new pulumi.Config();
// Namespace names are global on a machine: the prefix keeps two stacks' labs apart.
const prefix = config.get("prefix") || `${pulumi.getProject()}-${pulumi.getStack()}-`;

const lab = buildLab(prefix);
const h1 = lab.nodes.find((n) => n.name === "h1")!;

/** The lab as data: what `netns-lab graph`, `verify` and `status` read. */
export const description = lab.describe();
/** A ping from h1 to h2, ready to paste (a user who is not root: into the sandbox, with netns-lab exec). */
export const ping = process.getuid?.() === 0 ? `ip netns exec ${h1.nsName} ping -c 3 -W 1 10.0.2.2` : "netns-lab exec h1 -- ping -c 3 -W 1 10.0.2.2";
