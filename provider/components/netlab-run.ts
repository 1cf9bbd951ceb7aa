/**
 * netlab itself, for `netlab()` (netlab.ts): where its command is, its transformation run in a work
 * directory of the stack's own (`netlab create -p clab … -o json`), the part of its output netns-lab
 * reads, and what of a transformed topology this machine cannot run (devices, and modules needing
 * devices this kernel lacks, probed).
 */
import { execFileSync } from "child_process";
import { canAddLink } from "../kernel/probe";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The netlab release netlab/install.sh installs. */
export const NETLAB_VERSION = "26.10";

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
  /**
   * Give every Linux node a filesystem view of its own, with its own host name, as netlab's
   * containers have (default: only a Linux node with binds beyond the lab's hosts file gets one;
   * the others share this machine's files, with netlab's hosts file as their /etc/hosts under
   * `ip netns exec`, which is how netlab configures them: cheaper by a mount namespace and a dozen
   * mounts a node).
   */
  linuxFilesystems?: boolean;
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
 * than frr and linux, and modules needing what `lacks` says this kernel lacks ("vlan", "vrf", "bond": MODULE_NEEDS).
 */
export function netlabProblems(t: NetlabTopology, lacks: string[] = []): string[] {
  const out: string[] = [];
  for (const n of Object.values(t.nodes)) {
    if (!DEVICES.has(n.device)) out.push(`node ${n.name}: device ${n.device} is not supported (netns-lab runs frr and linux nodes)`);
    for (const m of n.module ?? []) {
      const need = MODULE_NEEDS[m];
      if (need && lacks.includes(need.type)) out.push(`node ${n.name}: module ${m} needs ${need.what}, which this kernel lacks (ip link add type ${need.type} fails)`);
    }
  }
  return out;
}

/** The kernel devices netlab's modules make (its clab provider's scripts for frr and linux), by module. */
const MODULE_NEEDS: Record<string, { type: string; what: string; probe: string[] }> = {
  vlan: { type: "vlan", what: "802.1q VLAN devices", probe: ["link", "lo", "name", "nl-probe", "type", "vlan", "id", "10"] },
  vrf: { type: "vrf", what: "VRF devices", probe: ["nl-probe", "type", "vrf", "table", "10"] },
  lag: { type: "bond", what: "bonding devices (link aggregation)", probe: ["nl-probe", "type", "bond"] },
};

/** What this kernel lacks of what netlab's modules use (each probed: a device of the type in a scratch network namespace of a user namespace). */
export function kernelLacks(): string[] {
  return Object.values(MODULE_NEEDS).filter((n) => !canAddLink(n.probe)).map((n) => n.type);
}

export const hashOf = (...parts: Array<string | Buffer>): string => {
  const h = crypto.createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 16);
};

/**
 * What netlab never reads that a project keeps beside its topology: a Node.js project's and git's
 * directories, and what `netlab create` itself writes there when a user ran it in the topology's
 * directory (its node files, provider file, snapshot, Ansible inventory).
 */
const NOT_NETLABS = new Set(["node_modules", ".git", ".pulumi", "node_files", "clab_files", "host_vars", "group_vars", "clab.yml", "netlab.snapshot.pickle", "netlab.lock", "hosts.yml", "ansible.cfg"]);

/**
 * What netlab's transformation reads, as one hash: netlab itself (its command, version, size and
 * time), the device, the topology's path, every file of the topology's directory (recursively, not
 * following links, without the work directory and NOT_NETLABS), the defaults files
 * netlab reads (~/.netlab.yml, /etc/netlab/defaults.yml) and the NETLAB_* variables. Undefined
 * (no reuse) for a directory of more than 2,000 files or 64 MiB.
 */
export function transformInputs(netlab: string, file: string, workDir: string, device: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const h = crypto.createHash("sha256");
  const st = fs.statSync(netlab);
  h.update(JSON.stringify([NETLAB_VERSION, netlab, st.size, st.mtimeMs, device ?? null, file]));
  let files = 0;
  let bytes = 0;
  const walk = (dir: string): boolean => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (p === workDir || NOT_NETLABS.has(e.name)) continue;
      if (++files > 2000) return false;
      h.update(`\0${p}\0`);
      if (e.isSymbolicLink()) h.update(`-> ${fs.readlinkSync(p)}`);
      else if (e.isDirectory()) {
        if (!walk(p)) return false;
      } else if (e.isFile()) {
        const data = fs.readFileSync(p);
        if ((bytes += data.length) > 64 << 20) return false;
        h.update(data);
      }
    }
    return true;
  };
  if (!walk(path.dirname(file))) return undefined;
  for (const f of [path.join(env.HOME || os.homedir(), ".netlab.yml"), "/etc/netlab/defaults.yml"]) h.update(`\0${f}\0`).update(fs.existsSync(f) ? fs.readFileSync(f) : "absent");
  for (const k of Object.keys(env).filter((k) => k.startsWith("NETLAB_")).sort()) h.update(`\0${k}=${env[k]}`);
  return h.digest("hex");
}

/**
 * Runs netlab's transformation in `workDir`; returns its transformed topology. Throws netlab's own
 * words. netlab's output is reused, not made again, while everything it reads is unchanged
 * (`transformInputs`): a no-change preview or up, and the update after a preview, skip netlab.
 */
export function transform(file: string, workDir: string, device: string | undefined): NetlabTopology {
  const netlab = netlabCommand();
  if (!fs.existsSync(netlab)) {
    throw new Error(`netlab ${NETLAB_VERSION} is not installed (${netlab}): run make deps in netns-lab's checkout, or node_modules/netns-lab/netlab/install.sh in your project (it installs PyPI networklab==${NETLAB_VERSION} into a virtual environment of its own); or set NETNS_LAB_NETLAB to a netlab command`);
  }
  fs.mkdirSync(workDir, { recursive: true });
  const json = path.join(workDir, "netlab.json");
  const mark = path.join(workDir, ".netns-lab-inputs");
  const inputs = transformInputs(netlab, file, path.resolve(workDir), device);
  if (inputs && fs.existsSync(json) && fs.existsSync(mark) && fs.readFileSync(mark, "utf8") === inputs) return JSON.parse(fs.readFileSync(json, "utf8")) as NetlabTopology;
  fs.rmSync(mark, { force: true });
  try {
    execFileSync(netlab, ["create", "-p", "clab", ...(device ? ["-d", device] : []), "-o", "config", "-o", "provider", "-o", "pickle", "-o", "json=netlab.json", file], { cwd: workDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    const said = `${err.stdout ?? ""}${err.stderr ?? ""}`.trim().split("\n").filter((l) => !/^\s*$/.test(l)).slice(-15).join("\n");
    throw new Error(`${file}: netlab create failed:\n${said || err.message}`);
  }
  if (inputs) fs.writeFileSync(mark, inputs);
  return JSON.parse(fs.readFileSync(json, "utf8")) as NetlabTopology;
}

/** The work directory of a stack's netlab topology: under the user's cache, by project, stack and file. */
export function defaultWorkDir(file: string): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || os.homedir(), ".cache");
  return path.join(cache, "netns-lab", "netlab-labs", `${pulumi.getProject()}-${pulumi.getStack()}-${hashOf(file).slice(0, 8)}`);
}

