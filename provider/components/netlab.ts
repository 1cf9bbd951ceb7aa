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
 * - a node of device `linux` → a Host (role router: forwarding is its script's) with netlab's hosts
 *   file as a HostsFile (/etc/netns: `ip netns exec` shows it at /etc/hosts); a filesystem view of
 *   its own only for binds beyond that file, or with `linuxFilesystems`; each `ns` config script run
 *   in its network namespace on this machine's filesystem (`ip netns exec … sh
 *   node_files/<node>/<module>`), in netlab's order.
 * - a link of two interfaces → a veth pair named as netlab names the interfaces; of one or more
 *   than two → a LAN (a bridge) with a port for each.
 * Edits: a node's configuration is the hash of its files; a change replaces its filesystem, its
 * daemons and its scripts (they run again on a fresh node), nothing of the other nodes. The lab's
 * hosts file is rewritten in place (every node sees it; no node restarts for it).
 * Refused before anything is declared: any other device (naming node and device), and what this
 * kernel lacks (probed: 802.1q VLAN, VRF, bonding).
 */
import { checkOptions } from "./options";
import { usersMistake } from "./containerlab";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ensureHolder, sandboxWanted, subordinateIdsAdvice } from "../kernel/sandbox";
import { parse as parseHosts } from "../kernel/hosts";
import { Command, HostsFile, VethLink, VxlanLink } from "../resources";
import { FrrDaemonStart, frrDaemonStarts } from "./frr-daemons";
import { Lab } from "./lab";
import { LabNode } from "./node";
import { defaultWorkDir, hashOf, kernelLacks, NetlabOptions, netlabProblems, transform } from "./netlab-run";

export { NETLAB_VERSION, netlabCommand, netlabProblems } from "./netlab-run";
export type { NetlabFile, NetlabInterface, NetlabLink, NetlabNode, NetlabOptions, NetlabTopology } from "./netlab-run";

const FRR_BIN = "/usr/lib/frr";

/** A netlab topology as a lab (see the module's comment). */
export function netlab(file: string, opts: NetlabOptions = {}): Lab {
  try {
    return declareNetlab(file, opts);
  } catch (e) {
    throw usersMistake(e, file);
  }
}

function declareNetlab(file: string, opts: NetlabOptions): Lab {
  checkOptions(`netlab("${file}")`, "NetlabOptions", opts);
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new Error(`${file}: no such netlab topology file`);
  const workDir = opts.workDir ?? defaultWorkDir(abs);
  const t = transform(abs, workDir, opts.device);
  const problems = netlabProblems(t, kernelLacks());
  if (problems.length) throw new Error(`${file}: netns-lab cannot run ${problems.length === 1 ? "this" : `these ${problems.length}`}:\n- ${problems.join("\n- ")}`);
  // FRR's daemons as each node's daemons file starts them: what it cannot say without a shell fails here, before anything is declared.
  const starts = new Map<string, FrrDaemonStart[]>();
  for (const n of Object.values(t.nodes)) {
    if (n.device !== "frr") continue;
    const f = path.join(workDir, "node_files", n.name, "daemons");
    starts.set(n.name, frrDaemonStarts(fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined, `node ${n.name}: daemons`));
  }
  if (sandboxWanted() && Object.values(t.nodes).some((n) => n.device === "frr") && ensureHolder().ids === "own") {
    throw new Error(`${file}: ${subordinateIdsAdvice("FRR (its daemons switch to FRR's user)")}`);
  }
  const name = opts.name ?? t.name;
  // supersede: netlab numbers a node's interfaces in link order, so an edit moves names between cables.
  const lab = new Lab(name, { ...opts.resourceOptions, hosts: false, supersede: true, namespacePrefix: opts.namespacePrefix ?? `${name}-` });
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
    // A Linux node needs a view of its own only for binds beyond the lab's hosts file (or when asked):
    // netlab configures it from this machine's side (ip netns exec), and `ip netns exec` gives it the
    // hosts file through /etc/netns, a file rather than a mount namespace and a dozen mounts.
    const own = n.device !== "linux" || opts.linuxFilesystems || binds.some((b) => b.target !== "/etc/hosts");
    const filesystem = own ? { filesystem: { binds, hostname: true as const } } : {};
    const node = role === "router" ? lab.router(n.name, { forwarding: false, ...filesystem }) : lab.host(n.name, filesystem);
    if (!own && hostsText) new HostsFile(`${n.name}-hosts`, { namespace: node.namespace.name, entries: parseHosts(hostsText).entries, ...node.on }, { parent: node });
    made.set(n.name, node);
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
      let first = true;
      for (const { daemon: d, options } of starts.get(n.name)!) {
        // As FRR's image runs them: its own /etc/frr and /run/frr (the node's), FRR's user; the daemons file's options.
        const p = node.run(d, [`${FRR_BIN}/${d}`, "-f", "/etc/frr/frr.conf", "-u", "frr", "-g", "frr", ...options], { env: { NETNS_LAB_NETLAB_CONFIG: hash }, ...(first ? {} : { after: "zebra" }) });
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
