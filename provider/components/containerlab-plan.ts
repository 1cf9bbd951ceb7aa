/**
 * A containerlab topology file as a plan (containerlab.ts declares it): nodes with their merged
 * properties (containerlab-merge.ts: its rule for each field), links as endpoint pairs, one warning per field or
 * image netns-lab cannot honour; and the readers of what the files say (exec lines' words and
 * addresses, FRR's daemons file and configuration). Pure: no kernel, no engine, no resource.
 */
import * as path from "path";
import { load } from "js-yaml";
import { bindProblem } from "../kernel/nodefs";
import { mergeNode } from "./containerlab-merge";

/** A bound file: where it is on this machine, where the node would see it. */
export interface ClabBind {
  /** The file on this machine (resolved against the topology file's directory). */
  host: string;
  /** Where the node would see it. */
  path: string;
  /** Bound `:ro`. */
  readOnly: boolean;
  /** One of the files of a bound /etc/frr directory (an FRR node): it may be missing. */
  inDirectory?: boolean;
}

/** One node as the plan has it, its properties merged. */
export interface ClabNode {
  /** Its name in the topology. */
  name: string;
  /** linux (a node) or bridge (a LAN). */
  kind: "linux" | "bridge";
  /** Its image, as the file gives it (merged). */
  image?: string;
  /** FRR runs in it (an FRR image). */
  frr: boolean;
  /** Its exec lines, each as words. */
  exec: string[][];
  /** Its environment (merged key by key). */
  env: Record<string, string>;
  /** Its bound files that are honoured: an FRR node's FRR files; a plain node's, held by a filesystem of its own. */
  binds: ClabBind[];
  /** Its cmd, as words (plain linux nodes). */
  cmd?: string[];
}

/** One end of a link. */
export interface ClabEndpoint {
  /** The node. */
  node: string;
  /** The interface's name in it. */
  interface: string;
  /** Its MAC address (the extended form). */
  mac?: string;
}

/** A link between two nodes: a veth pair. */
export interface ClabLink {
  /** Its two ends. */
  ends: [ClabEndpoint, ClabEndpoint];
  /** The MTU of both ends. */
  mtu?: number;
}

/** A topology file as netns-lab will make it. */
export interface ClabPlan {
  /** The lab's name. */
  name: string;
  /** The namespace prefix the file asks for (containerlab's `clab-<name>-`, or from `prefix`). */
  prefix: string;
  /** Its nodes, in the file's order. */
  nodes: ClabNode[];
  /** Its links that netns-lab makes. */
  links: ClabLink[];
  /** One per field, image or link netns-lab cannot honour. */
  warnings: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Fields of a node that netns-lab honours (`labels` is metadata: nothing to honour). */
const NODE_FIELDS = new Set(["kind", "image", "group", "exec", "env", "binds", "cmd", "labels"]);
const TOP_FIELDS = new Set(["name", "prefix", "topology"]);
const TOPOLOGY_FIELDS = new Set(["defaults", "kinds", "groups", "nodes", "links"]);
const LINK_FIELDS = new Set(["endpoints", "type", "mtu", "labels", "vars"]);
const FRR_IMAGE = /^(?:[\w.-]+(?::\d+)?\/)?frrouting\/frr(?:[:@].*)?$/;

/**
 * Splits a command line into words as containerlab does for `exec` and `cmd` (shell-like quoting,
 * no shell: no variables, globs or pipes).
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = "";
  let has = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) cur += line[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (ch === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) words.push(cur);
      cur = "";
      has = false;
    } else {
      cur += ch;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in: ${line}`);
  if (has || cur) words.push(cur);
  return words;
}

/** Reads a topology file's text into a plan (pure but for reading bound files' existence: none). */
export function planContainerlab(text: string, baseDir: string, file = "topology"): ClabPlan {
  let doc: unknown;
  try {
    doc = load(text, { filename: file });
  } catch (e) {
    throw new Error(`${file}: not YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const bad = (where: string, what: string): never => {
    throw new Error(`${file}: ${where}: ${what}`);
  };
  if (!isObj(doc)) bad("the file", "a topology file is a mapping with name and topology");
  const top = doc as Obj;
  const warnings: string[] = [];
  const warn = (w: string) => warnings.push(w);
  if (typeof top.name !== "string" || !top.name) bad("name", "the lab's name is required (a string)");
  const name = top.name as string;
  for (const k of Object.keys(top)) if (!TOP_FIELDS.has(k)) warn(`${k}: not supported (netns-lab makes no management network or container settings): ignored`);
  // containerlab's: clab-<lab>-<node> by default, <node> alone with "", <lab>-<node> with its magic "__lab-name".
  const prefix = top.prefix === undefined ? `clab-${name}-` : top.prefix === "" ? "" : top.prefix === "__lab-name" ? `${name}-` : `${String(top.prefix)}-${name}-`;
  if (!isObj(top.topology)) bad("topology", "required: a mapping with nodes (and links)");
  const topo = top.topology as Obj;
  for (const k of Object.keys(topo)) if (!TOPOLOGY_FIELDS.has(k)) warn(`topology.${k}: not supported: ignored`);
  const defaults = isObj(topo.defaults) ? topo.defaults : {};
  const kinds = isObj(topo.kinds) ? topo.kinds : {};
  const groups = isObj(topo.groups) ? topo.groups : {};
  if (!isObj(topo.nodes) || Object.keys(topo.nodes).length === 0) bad("topology.nodes", "required: at least one node");

  const images = new Map<string, string[]>();
  const nodes: ClabNode[] = [];
  for (const [nodeName, raw] of Object.entries(topo.nodes as Obj)) {
    const own = isObj(raw) ? raw : {};
    if (typeof own.group === "string" && own.group && !isObj(groups[own.group])) bad(`node ${nodeName}`, `group "${own.group}" is not in topology.groups`);
    const p = mergeNode(defaults, kinds, groups, own);
    const kind = String(p.kind ?? "");
    if (!kind) bad(`node ${nodeName}`, "no kind (give kind: linux or kind: bridge, on the node, its group or topology.defaults)");
    if (kind !== "linux" && kind !== "bridge") {
      bad(`node ${nodeName}`, `kind ${kind} is not supported: netns-lab runs linux nodes (hosts, FRR routers) and bridge nodes (LANs) as network namespaces, not vendor systems in containers`);
    }
    for (const k of Object.keys(p)) if (!NODE_FIELDS.has(k)) warn(`node ${nodeName}: ${k}: not supported (a namespace, not a container): ignored`);
    const image = typeof p.image === "string" ? p.image : undefined;
    const frr = kind === "linux" && !!image && FRR_IMAGE.test(image);
    if (kind === "linux" && image && !frr) images.set(image, [...(images.get(image) ?? []), nodeName]);
    if (kind === "bridge" && image) warn(`node ${nodeName}: image: a bridge runs no image: ignored`);
    const list = (k: string): string[] => {
      const v = p[k];
      if (v === undefined) return [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) bad(`node ${nodeName}`, `${k} is a list of strings`);
      return v as string[];
    };
    const env: Record<string, string> = {};
    if (p.env !== undefined) {
      if (!isObj(p.env)) bad(`node ${nodeName}`, "env is a mapping of names to values");
      for (const [k, v] of Object.entries(p.env as Obj)) env[k] = String(v);
    }
    const binds = list("binds").map((b): ClabBind => {
      const parts = b.split(":");
      if (parts.length < 2 || !parts[0] || !parts[1]) bad(`node ${nodeName}`, `bind "${b}" is host-path:node-path[:ro]`);
      return { host: path.resolve(baseDir, parts[0]), path: parts[1], readOnly: parts[2] === "ro" };
    });
    const exec = list("exec").map((l) => {
      try {
        return splitWords(l);
      } catch (e) {
        return bad(`node ${nodeName}: exec`, (e as Error).message);
      }
    });
    let cmd: string[] | undefined;
    if (p.cmd !== undefined) {
      cmd = splitWords(String(p.cmd));
      if (kind === "bridge") {
        warn(`node ${nodeName}: cmd: a bridge runs no program: ignored`);
        cmd = undefined;
      } else if (frr) {
        warn(`node ${nodeName}: cmd: an FRR node runs FRR's daemons (from its bound daemons file): ignored`);
        cmd = undefined;
      }
    }
    // A plain node's binds: its own filesystem view holds them (NodeFilesystem), where the kernel
    // object can take them; an FRR node's own three are FRR's (its config); its others: not yet.
    const honoured: ClabBind[] = [];
    for (const b of binds) {
      if (frr && (b.path === "/etc/frr/frr.conf" || b.path === "/etc/frr/daemons")) {
        honoured.push(b);
        continue;
      }
      if (frr && b.path.replace(/\/+$/, "") === "/etc/frr") {
        // The whole directory: its frr.conf and daemons, each where no bind of that file is given
        // (as a container sees a file bound inside a bound directory: the file's).
        for (const f of ["frr.conf", "daemons"]) {
          if (!binds.some((x) => x.path === `/etc/frr/${f}`)) honoured.push({ host: path.join(b.host, f), path: `/etc/frr/${f}`, readOnly: b.readOnly, inDirectory: true });
        }
        continue;
      }
      if (frr && b.path === "/etc/frr/vtysh.conf") {
        warn(`node ${nodeName}: binds: /etc/frr/vtysh.conf: \`vtysh -N <namespace>\` reads this machine's /etc/frr/<namespace>/vtysh.conf, which netns-lab does not write (vtysh works without one): ignored`);
        continue;
      }
      if (frr) {
        warn(`node ${nodeName}: binds: ${b.path}: an FRR node runs this machine's FRR in a pathspace of its own, without a filesystem of its own (only /etc/frr/frr.conf and /etc/frr/daemons are used): ignored`);
        continue;
      }
      if (kind === "bridge") {
        warn(`node ${nodeName}: binds: ${b.path}: a bridge runs nothing to see it: ignored`);
        continue;
      }
      const problem = bindProblem({ source: b.host, target: b.path });
      if (problem) warn(`node ${nodeName}: binds: ${problem}: ignored`);
      else honoured.push(b);
    }
    binds.splice(0, binds.length, ...honoured);
    if (kind === "bridge" && exec.length) warn(`node ${nodeName}: exec: a bridge runs no commands: ignored`);
    nodes.push({ name: nodeName, kind: kind as ClabNode["kind"], ...(image ? { image } : {}), frr, exec: kind === "bridge" ? [] : exec, env, binds, ...(cmd ? { cmd } : {}) });
  }
  for (const [image, users] of images) {
    warn(`image ${image} (${users.join(", ")}): its own filesystem is not used: the node runs this machine's programs (ip, ping …)`);
  }

  const known = new Set(nodes.map((n) => n.name));
  const endpoint = (e: unknown, where: string): ClabEndpoint | undefined => {
    let ep: ClabEndpoint;
    if (typeof e === "string") {
      const i = e.indexOf(":");
      if (i <= 0 || i === e.length - 1) bad(where, `endpoint "${e}" is node:interface`);
      ep = { node: e.slice(0, i), interface: e.slice(i + 1) };
    } else if (isObj(e) && typeof e.node === "string" && typeof e.interface === "string") {
      ep = { node: e.node, interface: e.interface, ...(typeof e.mac === "string" ? { mac: e.mac } : {}) };
    } else {
      return bad(where, "an endpoint is \"node:interface\" or { node, interface, mac }");
    }
    if (["host", "mgmt-net", "macvlan"].includes(ep.node)) {
      warn(`${where}: an end in ${ep.node} (the machine's ${ep.node === "host" ? "root namespace" : "management network"}) is not supported: netns-lab never touches the root namespace: link ignored`);
      return undefined;
    }
    if (!known.has(ep.node)) bad(where, `node ${ep.node} is not in topology.nodes`);
    return ep;
  };
  const links: ClabLink[] = [];
  (Array.isArray(topo.links) ? topo.links : []).forEach((raw, n) => {
    const where = `link ${n + 1}`;
    if (!isObj(raw)) bad(where, "a link is a mapping with endpoints");
    const l = raw as Obj;
    for (const k of Object.keys(l)) if (!LINK_FIELDS.has(k) && k !== "endpoint" && k !== "host-interface") warn(`${where}: ${k}: not supported: ignored`);
    const type = l.type === undefined ? "veth" : String(l.type);
    if (type !== "veth") {
      warn(`${where}: type ${type} is not supported (${type === "dummy" ? "this kernel has no dummy interfaces" : "netns-lab makes veth links between nodes"}): link ignored`);
      return;
    }
    if (!Array.isArray(l.endpoints) || l.endpoints.length !== 2) bad(where, "endpoints: two of them");
    const ends = (l.endpoints as unknown[]).map((e) => endpoint(e, where));
    if (!ends[0] || !ends[1]) return;
    const mtu = l.mtu === undefined ? undefined : Number(l.mtu);
    if (mtu !== undefined && !Number.isInteger(mtu)) bad(where, `mtu ${String(l.mtu)} is not a whole number`);
    links.push({ ends: [ends[0], ends[1]], ...(mtu !== undefined ? { mtu } : {}) });
  });
  return { name, prefix, nodes, links, warnings };
}

export { frrDaemons } from "./frr-daemons";

/** Interface → addresses that `exec` lines add (`ip [-4|-6] a[ddr[ess]] add CIDR dev IF`). */
export function execAddresses(lines: string[][]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const w of lines) {
    const args = w[0] === "ip" ? w.slice(1).filter((a) => a !== "-4" && a !== "-6") : [];
    if (!["a", "ad", "add", "addr", "addre", "addres", "address"].includes(args[0]) || args[1] !== "add") continue;
    const dev = args.indexOf("dev");
    if (args[2] && dev > 0 && args[dev + 1] && args[2].includes("/")) out.push([args[dev + 1], args[2]]);
  }
  return out;
}

/** Interface → addresses an FRR configuration gives (`interface IF` then ` ip address CIDR`). */
export function frrAddresses(conf: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let iface: string | undefined;
  for (const line of conf.split("\n")) {
    const m = /^interface\s+(\S+)/.exec(line);
    if (m) iface = m[1];
    else if (/^\S/.test(line)) iface = undefined;
    const a = /^\s+ipv?6? address\s+(\S+\/\d+)/.exec(line);
    if (iface && a) out.push([iface, a[1]]);
  }
  return out;
}
