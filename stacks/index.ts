/**
 * The netns-lab project's program: one lab per stack, chosen by the stack's config
 * (Pulumi.<stack>.yaml):
 *   netns-lab:lab     curo | curo-nat | chain | ospf | fabric | split | clab | netlab  (default: the stack name if it is one of them)
 *   netns-lab:file    the containerlab topology file (clab) or netlab topology (netlab); relative to the project; make up LAB=clab FILE=…
 *   netns-lab:vars    the containerlab file's vars files (clab): "a.yml,b.yml" or ["a.yml", …], relative to the
 *                     project, merged in order (default: those beside the file, as containerlab finds them); make up LAB=clab VARS=…
 *   netns-lab:device  netlab's -d (netlab): the device of nodes that name none
 *   netns-lab:strict  true (clab): refuse the file if any field cannot be honoured (default: a warning each)
 *   netns-lab:mgmt-host  true (clab): this machine at the management network's gateway (containerlab({ mgmtHost }))
 *   netns-lab:down    ["r1-r2", …] (ospf)            ring links to set down: OSPF reroutes
 *   netns-lab:isolate ["pid", "ipc", "mount"] (ospf)  each BIRD's own namespaces (default all three; [] for none)
 *   netns-lab:mode    kernel | external  (curo, curo-nat)  router1 as a kernel router or bare for a user-space one
 *   netns-lab:router  ["/path/to/curo", "arg", …] (curo, external mode): the user-space router run in router1
 *   netns-lab:routers N (chain, default 10)
 *   netns-lab:fabric  SPINESxLEAVESxHOSTS or tiny | small | medium | large (fabric, default tiny)
 *   netns-lab:machines {"m1": {host, port?, user?, privateKeyFile?, hostKey?, address?}, "m2": …} (split;
 *                     default: the simulated machines of make sim-machines)
 *   netns-lab:mtu     the MTU of the cable between the machines (split, default 1450)
 *   netns-lab:split   sim (chain): the chain over the simulated machines (or give netns-lab:machines)
 *   netns-lab:prefix  prepended to every namespace name (default none), e.g. to run two copies
 *   netns-lab:addresses  {"<interface>": "<cidr>"} overriding the lab's addresses ("" removes one),
 *                     e.g. bin/pulumi config set --path 'addresses["h2-r10"]' 10.0.10.200/24
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { MachineOptions } from "netns-lab";
import { containerlab, netlab } from "netns-lab";
import type { CuroMode } from "./curo";

// Each lab's module is loaded — and transpiled, by ts-node — only when its stack runs it, not all
// seven each time (issue 32: the fixed cost of a command; ~0.15 s here).
const chainLab = () => require("./chain") as typeof import("./chain");
const curoLab = () => require("./curo") as typeof import("./curo");
const curoNatLab = () => require("./curo-nat") as typeof import("./curo-nat");
const fabricLab = () => require("./fabric") as typeof import("./fabric");
const ospfLab = () => require("./ospf") as typeof import("./ospf");
const splitLab = () => require("./split") as typeof import("./split");

const config = new pulumi.Config();
const labName = config.get("lab") ?? pulumi.getStack();
const options = {
  namespacePrefix: config.get("prefix") ?? "",
  addressOverrides: config.getObject<Record<string, string>>("addresses") ?? {},
};

/** The project directory: the nearest above this file holding Pulumi.yaml (stacks/ or dist/stacks/). */
function projectDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "Pulumi.yaml")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function build() {
  switch (labName) {
    case "curo":
    case "curo-nat": {
      const mode = config.get("mode") ?? "kernel";
      if (mode !== "kernel" && mode !== "external") {
        throw new Error(`netns-lab:mode must be "kernel" or "external" (got "${mode}")`);
      }
      return labName === "curo" ? curoLab().curo(mode as CuroMode, options, config.getObject<string[]>("router")) : curoNatLab().curoNat(mode as CuroMode, options);
    }
    case "chain":
      return chainLab().chain(config.getNumber("routers") ?? 10, options, config.get("split") === "sim" ? splitLab().simMachines(projectDir()) : config.getObject("machines"));
    case "fabric":
      return fabricLab().fabric(fabricLab().fabricSize(config.get("fabric") ?? "tiny"), options);
    case "split":
      return splitLab().split(config.getObject<Record<string, MachineOptions>>("machines") ?? splitLab().simMachines(projectDir()), options, config.getNumber("mtu"));
    case "ospf":
      return ospfLab().ospf({
        ...options,
        down: config.getObject<string[]>("down") ?? [],
        runDir: `/run/netns-lab/${pulumi.getProject()}/${pulumi.getStack()}`,
        isolate: config.getObject<Array<"pid" | "ipc" | "mount">>("isolate") ?? ["pid", "ipc", "mount"],
      });
    case "clab": {
      const file = path.resolve(projectDir(), config.get("file") ?? "examples/clab/frr-ospf/frr-ospf.clab.yml");
      // Its own prefix (clab-<name>-) unless the stack sets one.
      const given = config.get("vars");
      const vars = given === undefined ? undefined : (given.trimStart().startsWith("[") ? (JSON.parse(given) as string[]) : given.split(",")).map((v) => path.resolve(projectDir(), v));
      const lab = containerlab(file, { namespacePrefix: config.get("prefix"), strict: config.getBoolean("strict"), vars, mgmtHost: config.getBoolean("mgmt-host") });
      // The end-to-end check: from the first node with an address to the last other one's first address.
      // Not over the management network (eth0): every node reaches every other there.
      const data = (n: (typeof lab.nodes)[number]) => n.interfaces.filter((i) => i.name !== "eth0").flatMap((i) => i.addresses ?? (i.address ? [i.address] : []));
      const withAddress = lab.nodes.filter((n) => n.role !== "switch" && data(n).length);
      const from = withAddress[0] ?? lab.nodes[0];
      const last = withAddress.filter((n) => n !== from).pop();
      return { lab, from, to: last ? data(last)[0].split("/")[0] : "127.0.0.1" };
    }
    case "netlab": {
      const file = path.resolve(projectDir(), config.get("file") ?? "examples/netlab/ospf-triangle.yml");
      const lab = netlab(file, { namespacePrefix: config.get("prefix"), device: config.get("device") });
      const hosts = lab.nodes.filter((n) => n.role === "host" && n.addresses().length);
      const from = hosts[0] ?? lab.nodes[0];
      const last = hosts.filter((n) => n !== from).pop();
      return { lab, from, to: last?.addresses()[0].split("/")[0] ?? "127.0.0.1" };
    }
    default:
      throw new Error(`unknown lab "${labName}": set netns-lab:lab to "curo", "curo-nat", "chain", "ospf", "fabric", "split", "clab" or "netlab" (bin/pulumi config set lab curo)`);
  }
}

const { lab, from, to } = build();

/** The lab as data: nodes, interfaces, addresses, links. */
export const description = lab.describe();
/** The end-to-end check, ready to paste. */
export const ping = from.machine || process.getuid?.() !== 0
  ? `bin/netns-lab exec ${from.name} --stack ${pulumi.getStack()} -- ping -c 3 -W 1 ${to}` // on another machine (over SSH), or in the sandbox of a user who is not root
  : `ip netns exec ${from.nsName} ping -c 3 -W 1 ${to}`;
export const pingFrom = from.nsName;
export const pingTo = to;
