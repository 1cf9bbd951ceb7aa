/**
 * netlab topologies as labs: `netlab("topology.yml")` runs netlab itself (PyPI networklab, pinned:
 * netlab/install.sh puts it in a virtual environment of its own at set-up) with the containerlab
 * provider for every node (`netlab create -p clab -d <device> -o json=…`), in a work directory of
 * the stack's own (the user's topology directory is left as it was), reads what netlab wrote — its
 * transformed topology as JSON and every node's files (node_files/<node>/…) — and declares the same
 * lab as namespaces, returning a `Lab`. netlab's addressing, modules and configurations are
 * netlab's: nothing of them is computed here.
 *
 * What maps (netlab's clab provider, providers/clab/configs.py):
 * - a node of device `frr` → a Router with a filesystem of its own (NodeFilesystem: its own /etc/frr,
 *   /run/frr …) holding netlab's binds (its config scripts at /etc/config/NN-<module>.sh, its
 *   `daemons` file at /etc/frr/daemons, the lab's hosts file); FRR's daemons as its `daemons` file
 *   enables them, run as in FRR's image (no pathspace); then each `sh` config script run in the
 *   node, in netlab's order (initial, then the modules'), as `docker exec` runs them.
 * - a node of device `linux` → a Host (role router: forwarding is its script's) with a filesystem of
 *   its own holding the hosts file; each `ns` config script run in its network namespace on this
 *   machine's filesystem (`ip netns exec … sh node_files/<node>/<module>`), in netlab's order.
 * - a link of two interfaces → a veth pair named as netlab names the interfaces; of one or more
 *   than two → a LAN (a bridge) with a port for each.
 * Edits: a node's configuration is the hash of its files; a change replaces its filesystem, its
 * daemons and its scripts (they run again on a fresh node), nothing of the other nodes. The lab's
 * hosts file is rewritten in place (every node sees it; no node restarts for it).
 * Refused before anything is declared: any other device (naming node and device), and what this
 * kernel lacks (probed: 802.1q VLAN, VRF).
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ensureHolder, sandboxWanted, subordinateIdsAdvice } from "../kernel/sandbox";
import { Command, VethLink, VxlanLink } from "../resources";
import { frrDaemons } from "./containerlab-plan";
import { Lab } from "./lab";
import { LabNode } from "./node";

/** The netlab release netlab/install.sh installs. */
export const NETLAB_VERSION = "26.10";
const FRR_BIN = "/usr/lib/frr";

/** Options of `netlab()`. */
export interface NetlabOptions {
  /** netlab's `-d`: the device of nodes that name none (default netlab's own: its topology's `defaults.device`, else frr). */
  device?: string;
  /** Prepended to every node's namespace name (default `<lab name>-`). */
  namespacePrefix?: string;
  /** The Lab component's name (default the topology's name, as netlab names it). */
  name?: string;
  /** The component's options (parent, providers …). */
  resourceOptions?: pulumi.ComponentResourceOptions;
  /** Where netlab writes its files (default: a directory of the stack's own under the user's cache). */
  workDir?: string;
}

/** What netlab's JSON output holds that netns-lab reads (its transformed topology: `netlab create -o json`). */
export interface NetlabTopology {
  /** The lab's name (the topology's `name`, else its directory's). */
  name: string;
  /** The modules the topology uses. */
  module?: string[];
  /** Its nodes, by name. */
  nodes: Record<string, NetlabNode>;
  /** Its links, each with the interfaces of its nodes. */
  links: NetlabLink[];
}

/** One link of a transformed topology. */
export interface NetlabLink {
  /** Its number in the topology (1, 2, …). */
  linkindex?: number;
  /** netlab's link type: p2p, lan, stub … */
  type?: string;
  /** The bridge netlab would use for it (a LAN). */
  bridge?: string;
  /** Its ends: a node, the interface's name there, its addresses. */
  interfaces: NetlabInterface[];
}

/** One interface of a node on a link (or the node's loopback). */
export interface NetlabInterface {
  /** The node (on a link's interface list). */
  node?: string;
  /** The interface's name in the node, e.g. eth1. */
  ifname?: string;
  /** Its IPv4 address (a CIDR), or true/false where netlab gives none. */
  ipv4?: string | boolean;
  /** Its IPv6 address (a CIDR), or true/false. */
  ipv6?: string | boolean;
}

/** One node of a transformed topology. */
export interface NetlabNode {
  /** Its name. */
  name: string;
  /** Its device: frr, linux, eos … */
  device: string;
  /** Its role: router, host, bridge. */
  role?: string;
  /** Its container's name under netlab's clab provider (`clab-<lab>-<node>`): the host netlab's tests reach it by. */
  hostname?: string;
  /** The modules it runs. */
  module?: string[];
  /** Its loopback's addresses. */
  loopback?: NetlabInterface;
  /** Its interfaces. */
  interfaces?: NetlabInterface[];
  /** What netlab's containerlab provider would give its container. */
  clab?: {
    /** Files bound into it. */
    binds?: NetlabFile[];
    /** Its configuration, in order: `ns` scripts run in its namespace, `sh` ones in it at `target`. */
    config_templates?: NetlabFile[];
  };
}

/** A file netlab gives a node: a bind, or one of its configuration scripts. */
export interface NetlabFile {
  /** A bind: the file relative to the work directory; a script: its name in node_files/<node>/. */
  source: string;
  /** Where the node sees it. */
  target?: string;
  /** A bind: `ro`; a script: `ns` (run in the node's namespace on this machine), `sh` (run in the node) … */
  mode?: string;
}

/** The devices netns-lab runs, and how. */
const DEVICES = new Set(["frr", "linux"]);

/** Where netlab is: NETNS_LAB_NETLAB, else the one netlab/install.sh installed in the user's cache. */
export function netlabCommand(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NETNS_LAB_NETLAB) return env.NETNS_LAB_NETLAB;
  const cache = env.NETNS_LAB_ENGINE_CACHE || path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), ".cache"), "netns-lab");
  return path.join(cache, `netlab-${NETLAB_VERSION}`, "bin", "netlab");
}

/**
 * What of a transformed topology netns-lab cannot run, each naming the node (pure): devices other
 * than frr and linux, and modules needing what `lacks` says this kernel lacks ("vlan", "vrf").
 */
export function netlabProblems(t: NetlabTopology, lacks: string[] = []): string[] {
  const out: string[] = [];
  for (const n of Object.values(t.nodes)) {
    if (!DEVICES.has(n.device)) out.push(`node ${n.name}: device ${n.device} is not supported (netns-lab runs frr and linux nodes)`);
    for (const m of n.module ?? []) {
      const need = m === "vlan" ? "vlan" : m === "vrf" ? "vrf" : undefined;
      if (need && lacks.includes(need)) out.push(`node ${n.name}: module ${m} needs ${need === "vlan" ? "802.1q VLAN devices" : "VRF devices"}, which this kernel lacks (ip link add type ${need === "vlan" ? "vlan" : "vrf"} fails)`);
    }
  }
  return out;
}

/** What this kernel lacks of what netlab's modules use (probed once: a device of the type in a scratch namespace of a user namespace). */
function kernelLacks(): string[] {
  const probe = (type: string[]) => {
    try {
      execFileSync("unshare", ["--user", "--map-root-user", "--net", "--", "ip", "link", "add", ...type], { stdio: "ignore", timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  };
  const lacks: string[] = [];
  if (!probe(["nl-probe-vrf", "type", "vrf", "table", "10"])) lacks.push("vrf");
  if (!probe(["link", "lo", "name", "nl-probe-vlan", "type", "vlan", "id", "10"])) lacks.push("vlan");
  return lacks;
}

const hashOf = (...parts: Array<string | Buffer>): string => {
  const h = crypto.createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 16);
};

/** Runs netlab's transformation in `workDir`; returns its transformed topology. Throws netlab's own words. */
function transform(file: string, workDir: string, device: string | undefined): NetlabTopology {
  const netlab = netlabCommand();
  if (!fs.existsSync(netlab)) {
    throw new Error(`netlab ${NETLAB_VERSION} is not installed (${netlab}): run make deps in netns-lab's checkout, or node_modules/netns-lab/netlab/install.sh in your project (it installs PyPI networklab==${NETLAB_VERSION} into a virtual environment of its own); or set NETNS_LAB_NETLAB to a netlab command`);
  }
  fs.mkdirSync(workDir, { recursive: true });
  try {
    execFileSync(netlab, ["create", "-p", "clab", ...(device ? ["-d", device] : []), "-o", "config", "-o", "provider", "-o", "pickle", "-o", "json=netlab.json", file], { cwd: workDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    const said = `${err.stdout ?? ""}${err.stderr ?? ""}`.trim().split("\n").filter((l) => !/^\s*$/.test(l)).slice(-15).join("\n");
    throw new Error(`${file}: netlab create failed:\n${said || err.message}`);
  }
  return JSON.parse(fs.readFileSync(path.join(workDir, "netlab.json"), "utf8")) as NetlabTopology;
}

/** The work directory of a stack's netlab topology: under the user's cache, by project, stack and file. */
function defaultWorkDir(file: string): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || os.homedir(), ".cache");
  return path.join(cache, "netns-lab", "netlab-labs", `${pulumi.getProject()}-${pulumi.getStack()}-${hashOf(file).slice(0, 8)}`);
}

/** A netlab topology as a lab (see the module's comment). */
export function netlab(file: string, opts: NetlabOptions = {}): Lab {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new Error(`${file}: no such netlab topology file`);
  const workDir = opts.workDir ?? defaultWorkDir(abs);
  const t = transform(abs, workDir, opts.device);
  const problems = netlabProblems(t, kernelLacks());
  if (problems.length) throw new Error(`${file}: netns-lab cannot run ${problems.length === 1 ? "this" : `these ${problems.length}`}:\n- ${problems.join("\n- ")}`);
  if (sandboxWanted() && Object.values(t.nodes).some((n) => n.device === "frr") && ensureHolder().ids === "own") {
    throw new Error(`${file}: ${subordinateIdsAdvice("FRR (its daemons switch to FRR's user)")}`);
  }
  const name = opts.name ?? t.name;
  const lab = new Lab(name, { ...opts.resourceOptions, hosts: false, namespacePrefix: opts.namespacePrefix ?? `${name}-` });
  lab.netlabWorkDir = workDir;

  // The lab's hosts file, bound into every node: rewritten in place (the same file, so every bind sees it).
  const shared = path.join(workDir, "node_files", "-shared-hosts");
  const hostsFile = path.join(workDir, "hosts");
  const hostsText = fs.existsSync(shared) ? fs.readFileSync(shared, "utf8") : "";
  if (!fs.existsSync(hostsFile) || fs.readFileSync(hostsFile, "utf8") !== hostsText) fs.writeFileSync(hostsFile, hostsText);

  const made = new Map<string, LabNode>();
  const nodeHash = new Map<string, string>();
  const nodeDir = new Map<string, string>();
  for (const n of Object.values(t.nodes)) {
    // The node's files, copied to a directory named by their hash: a changed configuration is a new node's.
    const src = path.join(workDir, "node_files", n.name);
    const files = fs.existsSync(src) ? fs.readdirSync(src).sort() : [];
    const hash = hashOf(n.device, ...files.flatMap((f) => [f, fs.readFileSync(path.join(src, f))]));
    const dir = path.join(workDir, "nodes", `${n.name}-${hash}`);
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      fs.cpSync(src, `${dir}.new`, { recursive: true });
      fs.renameSync(`${dir}.new`, dir);
    }
    nodeHash.set(n.name, hash);
    nodeDir.set(n.name, dir);
    const binds = (n.clab?.binds ?? []).map((b) => {
      const from = b.source === "node_files/-shared-hosts" ? hostsFile : b.source.startsWith(`node_files/${n.name}/`) ? path.join(dir, b.source.slice(`node_files/${n.name}/`.length)) : path.resolve(workDir, b.source);
      return { source: from, target: b.target!, ...(b.mode === "ro" ? { readOnly: true } : {}) };
    });
    const role = n.device === "frr" || n.role === "router" ? "router" : "host";
    made.set(n.name, role === "router" ? lab.router(n.name, { forwarding: false, filesystem: { binds, hostname: true } }) : lab.host(n.name, { filesystem: { binds, hostname: true } }));
  }

  // Links: two interfaces a veth pair; one, or more than two, a LAN (a bridge node) with a port each.
  for (const [k, l] of t.links.entries()) {
    if (l.interfaces.length === 2) {
      const [a, b] = l.interfaces;
      lab.link(made.get(a.node!)!, made.get(b.node!)!, { name: `${a.node}-${a.ifname}--${b.node}-${b.ifname}`, names: [a.ifname!, b.ifname!] });
      continue;
    }
    const br = `lan${l.linkindex ?? k + 1}`;
    const sw = lab.lan(br, []);
    for (const e of l.interfaces) lab.link(made.get(e.node!)!, sw, { name: `${e.node}-${e.ifname}--${br}`, names: [e.ifname!, `${br}-${e.node}`.slice(0, 15)], masters: [undefined, br] });
  }

  for (const n of Object.values(t.nodes)) {
    const node = made.get(n.name)!;
    const hash = nodeHash.get(n.name)!;
    // Addresses for the lab's description (verify pings them): netlab's, which its scripts configure.
    const cidrs = (i: { ipv4?: string | boolean; ipv6?: string | boolean }) => [i.ipv4, i.ipv6].filter((a): a is string => typeof a === "string");
    for (const i of n.interfaces ?? []) if (i.ifname) lab.noteAddresses(node, i.ifname, cidrs(i));
    if (n.loopback && cidrs(n.loopback).length) node.interfaces.push({ name: "lo", peer: "", addresses: cidrs(n.loopback), address: cidrs(n.loopback)[0] });

    let before: pulumi.Resource[] = [];
    // The daemons' identities: their configuration (vtysh scripts, not saved: netlab's `do write`
    // writes nothing from `vtysh -f`) is applied again to a daemon started anew.
    const daemonIds: pulumi.Input<unknown>[] = [];
    if (n.device === "frr") {
      const daemonsFile = path.join(nodeDir.get(n.name)!, "daemons");
      const daemons = frrDaemons(fs.existsSync(daemonsFile) ? fs.readFileSync(daemonsFile, "utf8") : undefined);
      let first = true;
      for (const d of daemons) {
        // As FRR's image runs them: its own /etc/frr and /run/frr (the node's), FRR's user.
        const p = node.run(d, [`${FRR_BIN}/${d}`, "-f", "/etc/frr/frr.conf", "-u", "frr", "-g", "frr", "-A", "127.0.0.1"], { env: { NETNS_LAB_NETLAB_CONFIG: hash }, ...(first ? {} : { after: "zebra" }) });
        before.push(p);
        daemonIds.push(pulumi.interpolate`${p.pid}@${p.startTime}`);
        first = false;
      }
    }
    // The cables' identities too: a cable made anew (a link moved, or renumbered by netlab, taking
    // over an interface name) has lost what the scripts set on it (addresses, a host's routes).
    const cableIds = node.linkResources.map((r) =>
      r instanceof VethLink ? pulumi.interpolate`${r.ifindex}/${r.peerIfindex}` : r instanceof VxlanLink ? pulumi.interpolate`${r.ifindex}` : "",
    );
    // netlab's configuration, in its order: a script that fails fails `up`, quoting its output.
    for (const c of n.clab?.config_templates ?? []) {
      let create: string[] | undefined;
      let inNode = false;
      if (c.mode === "ns") create = ["sh", path.join(nodeDir.get(n.name)!, c.source)];
      else if ((c.mode === "sh" || c.mode === "cp_sh") && c.target) [create, inNode] = [[c.target], true];
      if (!create) continue;
      const cmd: pulumi.Resource = new Command(
        `${n.name}-netlab-${c.source}`,
        { namespace: node.namespace.name, create, triggers: [hash, ...daemonIds, ...cableIds], ...(inNode ? { filesystem: true } : {}), ...node.on },
        { parent: node, dependsOn: [...before, ...(node.filesystem ? [node.filesystem] : [])] },
      );
      before = [cmd];
    }
  }
  return lab;
}
