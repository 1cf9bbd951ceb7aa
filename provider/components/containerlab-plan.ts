/**
 * A containerlab topology file as a plan (containerlab.ts declares it): nodes with their merged
 * properties (containerlab-merge.ts: its rule for each field), links as endpoint pairs, one warning per field or
 * image netns-lab cannot honour; and the readers of what the files say (exec lines' words and
 * addresses, FRR's daemons file and configuration). Pure: no kernel, no engine, no resource.
 */
import * as crypto from "crypto";
import * as path from "path";
import * as ipaddr from "ipaddr.js";
import { load } from "js-yaml";
import { bindProblem } from "../kernel/nodefs";
import { mergeNode } from "./containerlab-merge";
import { closest } from "./options";
import { parsePorts, PublishedPort } from "./ports";

/** containerlab's node fields netns-lab does not honour (its NodeDefinition): warned, not refused. */
const CLAB_NODE_FIELDS = new Set([
  "type", "image-pull-policy", "restart-policy", "license", "position", "entrypoint", "subject", "env-files", "publish", "startup-config",
  "startup-delay", "enforce-startup-config", "suppress-startup-config", "auto-remove", "config", "user", "sandbox", "kernel", "runtime", "cpu",
  "cpu-set", "memory", "sysctls", "extras", "dns", "certificate", "aliases", "devices", "cap-add", "shm-size", "components",
]);

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
  /** Stages it waits in for another node's stage to be done (containerlab's `stages: <stage>: wait-for`). */
  waitFor?: ClabWait[];
  /** Commands run in the node on entering or leaving a stage (containerlab's `stages: <stage>: exec`), in the file's order. */
  stageExec?: ClabStageExec[];
  /** Its health check (docker's, as containerlab gives it). */
  healthcheck?: ClabHealthcheck;
  /** `network-mode: container:<node>`: it has no namespace of its own; what it runs runs in that node's. */
  sharesNamespaceOf?: string;
  /** Its eth0 on the management network (linux nodes, unless `network-mode: none`). */
  mgmt?: ClabMgmtAddresses;
  /** Ports of this machine carried to the node's (containerlab's and docker's `ports`), at its eth0's address. */
  ports?: PublishedPort[];
}

/** A command of a stage (containerlab's `stages: <stage>: exec: [{command, phase, target}]`, target container). */
export interface ClabStageExec {
  /** The stage it belongs to. */
  stage: ClabStage;
  /** on-enter (the default) or on-exit. */
  phase: "on-enter" | "on-exit";
  /** The command, as words. */
  command: string[];
  /** containerlab's `target: host`: run on this machine (its root namespace), not in the node. */
  host?: true;
}

/** One wait of a node's stage (containerlab's `stages: <stage>: wait-for: [{node, stage}]`). */
export interface ClabWait {
  /** The stage of this node that waits. */
  stage: ClabStage;
  /** The node waited for. */
  node: string;
  /** Its stage that must be done (containerlab's `stage`, create unless given). */
  until: ClabStage;
}

/** A node's health check, as docker runs it. */
export interface ClabHealthcheck {
  /** The test: a program and its arguments (`CMD-SHELL` lines run by `sh -c`). */
  test: string[];
  /** Seconds between tests (the first after one interval). */
  interval: number;
  /** Seconds a test may take. */
  timeout: number;
  /** Failures in a row that make the node unhealthy. */
  retries: number;
  /** Seconds from the start during which failures do not count. */
  startPeriod: number;
}

/** A node's addresses on the management network. */
export interface ClabMgmtAddresses {
  /** Its IPv4 address with the subnet's prefix length. */
  ipv4: string;
  /** Its IPv6 address with the subnet's prefix length. */
  ipv6: string;
}

/** containerlab's deployment stages of a node, in their order (its `exit` has no counterpart here). */
export const CLAB_STAGES = ["create", "create-links", "configure", "healthy"] as const;
/** One of containerlab's deployment stages of a node. */
export type ClabStage = (typeof CLAB_STAGES)[number];

/** containerlab's management network: a bridge every linux node's eth0 is on (docker's, there). */
export interface ClabMgmt {
  /** IPv4 subnet (default 172.20.20.0/24). */
  ipv4Subnet: string;
  /** The IPv4 gateway, on the bridge (default the subnet's first address). */
  ipv4Gw: string;
  /** IPv6 subnet (default 3fff:172:20:20::/64). */
  ipv6Subnet: string;
  /** The IPv6 gateway, on the bridge (default the subnet's first address). */
  ipv6Gw: string;
  /** MTU of the eth0 cables (default the kernel's). */
  mtu?: number;
  /** `mgmt.bridge`: the name of the host's end of the network (containerlab's bridge on the host), with `mgmtHost`. */
  bridge?: string;
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

/**
 * A link from a node to the host's side: to the management network (`mgmt-net:<host-interface>`,
 * or `type: mgmt-net`), or to the machine's root namespace (`host:<host-interface>`, `type: host`).
 */
export interface ClabMgmtLink {
  /** The node's end. */
  end: ClabEndpoint;
  /** The other end's name: a port of the management bridge, or an interface in the root namespace. */
  hostInterface: string;
  /** The MTU of both ends. */
  mtu?: number;
}

/** A node's interface on an interface of the machine (`macvlan:<host-interface>`, or `type: macvlan`). */
export interface ClabMacvlanLink {
  /** The node's end. */
  end: ClabEndpoint;
  /** The machine's interface it sits on (containerlab's host-interface). */
  parent: string;
  /** The macvlan mode (containerlab's default: bridge). */
  mode: "bridge" | "vepa" | "private" | "passthru" | "source";
  /** Its MTU (at most the parent's). */
  mtu?: number;
}

/** A dummy interface of a node (containerlab's `dummy` link). */
export interface ClabDummyLink extends ClabEndpoint {
  /** Where the file has it ("link 3"), for messages. */
  where: string;
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
  /** The management network, when a node is on it. */
  mgmt?: ClabMgmt;
  /** Links from a node to the management network. */
  mgmtLinks?: ClabMgmtLink[];
  /** Links from a node to the machine's root namespace (containerlab's `host` links). */
  hostLinks?: ClabMgmtLink[];
  /** Macvlan interfaces of nodes on an interface of the machine (containerlab's `macvlan` links). */
  macvlanLinks?: ClabMacvlanLink[];
  /** Dummy interfaces in nodes (containerlab's `dummy` links), each with where the file has it. */
  dummyLinks?: ClabDummyLink[];
  /** One per field, image or link netns-lab cannot honour. */
  warnings: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Fields of a node that netns-lab honours (`labels` is metadata: nothing to honour). */
const NODE_FIELDS = new Set(["kind", "image", "group", "exec", "env", "binds", "cmd", "labels", "mgmt-ipv4", "mgmt-ipv6", "network-mode", "stages", "wait-for", "healthcheck", "ports"]);
const TOP_FIELDS = new Set(["name", "prefix", "topology", "mgmt"]);
/** Fields of `mgmt` netns-lab honours; `network` and `bridge` name docker's objects (none here). */
const MGMT_FIELDS = new Set(["ipv4-subnet", "ipv6-subnet", "ipv4-gw", "ipv6-gw", "mtu", "network", "bridge"]);

/** The n-th address of a subnet (0: its network address), or undefined past its end (pure). */
export function nthAddress(subnet: string, n: bigint): string | undefined {
  const [net, len] = ipaddr.parseCIDR(subnet);
  const bytes = net.toByteArray();
  const bits = bytes.length * 8;
  if (n < 0n || n >= 1n << BigInt(bits - len)) return undefined;
  let v = bytes.reduce((a, b) => (a << 8n) | BigInt(b), 0n) + n;
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++, v >>= 8n) out.unshift(Number(v & 255n));
  return ipaddr.fromByteArray(out).toString();
}
const TOPOLOGY_FIELDS = new Set(["defaults", "kinds", "groups", "nodes", "links"]);
const LINK_FIELDS = new Set(["endpoints", "type", "mtu", "labels", "vars", "mode"]);
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
export function planContainerlab(text: string, baseDir: string, file = "topology", autoSeed?: string): ClabPlan {
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
  for (const k of Object.keys(top)) if (!TOP_FIELDS.has(k)) warn(`${k}: not supported (netns-lab makes no container settings): ignored`);
  // The management network: docker's defaults, or the file's.
  const m = top.mgmt === undefined ? {} : isObj(top.mgmt) ? (top.mgmt as Obj) : bad("mgmt", "a mapping (ipv4-subnet, ipv6-subnet, …)");
  for (const k of Object.keys(m)) if (!MGMT_FIELDS.has(k)) warn(`mgmt.${k}: not supported (the management network is a bridge in a namespace of the lab's): ignored`);
  // containerlab's prefix: clab-<lab>-<node> by default, <node> alone with "", <lab>-<node> with its magic "__lab-name".
  const prefix = top.prefix === undefined ? `clab-${name}-` : top.prefix === "" ? "" : top.prefix === "__lab-name" ? `${name}-` : `${String(top.prefix)}-${name}-`;
  // "auto" (containerlab lets the runtime pick a free subnet): one of its own per lab, from a hash of
  // its namespace prefix, so the same lab keeps it run after run and two labs differ.
  // A /24 of 172.16.0.0/12 but docker's own 172.17.0.0/16 and containerlab's default 172.20.20.0/24.
  const h = crypto.createHash("sha256").update(autoSeed ?? prefix).digest();
  const o2 = [16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31][h[0] % 15];
  const o3 = o2 === 20 && h[1] === 20 ? 21 : h[1];
  const auto = { ipv4: `172.${o2}.${o3}.0/24`, ipv6: `3fff:172:${o2}:${o3}::/64` };
  const subnet = (k: string, dflt: string, family: "ipv4" | "ipv6"): string => {
    const v = m[k] === undefined ? dflt : m[k] === "auto" ? auto[family] : String(m[k]);
    if (!ipaddr.isValidCIDR(v) || ipaddr.parseCIDR(v)[0].kind() !== family) bad(`mgmt.${k}`, `${v} is not an ${family === "ipv4" ? "IPv4" : "IPv6"} subnet`);
    const [a, len] = ipaddr.parseCIDR(v);
    return `${ipaddr.IPv4.isValid(a.toString()) ? ipaddr.IPv4.networkAddressFromCIDR(v) : ipaddr.IPv6.networkAddressFromCIDR(v)}/${len}`;
  };
  const v4 = subnet("ipv4-subnet", "172.20.20.0/24", "ipv4");
  const v6 = subnet("ipv6-subnet", "3fff:172:20:20::/64", "ipv6");
  const gw = (k: string, sub: string): string => {
    const v = m[k] === undefined ? nthAddress(sub, 1n)! : String(m[k]);
    if (!ipaddr.isValid(v) || !ipaddr.parse(v).match(ipaddr.parseCIDR(sub))) bad(`mgmt.${k}`, `${v} is not an address in ${sub}`);
    return ipaddr.parse(v).toString();
  };
  const mgmtNet: ClabMgmt = { ipv4Subnet: v4, ipv4Gw: gw("ipv4-gw", v4), ipv6Subnet: v6, ipv6Gw: gw("ipv6-gw", v6) };
  if (m.bridge !== undefined) {
    if (typeof m.bridge !== "string" || !/^[^/\s:]{1,15}$/.test(m.bridge)) bad("mgmt.bridge", `${JSON.stringify(m.bridge)} is not an interface name (1-15 characters, no /, : or space)`);
    mgmtNet.bridge = m.bridge as string;
  }
  if (m.mtu !== undefined) {
    const mtu = Number(m.mtu);
    if (!Number.isInteger(mtu) || mtu < 68) bad("mgmt.mtu", `${String(m.mtu)} is not an MTU`);
    mgmtNet.mtu = mtu;
  }
  // Per node (network-mode none: no eth0): its given mgmt-ipv4/ipv6, checked; the others given out after.
  const wanted: Array<{ node: ClabNode; ipv4?: string; ipv6?: string }> = [];
  if (!isObj(top.topology)) bad("topology", "required: a mapping with nodes (and links)");
  const topo = top.topology as Obj;
  for (const k of Object.keys(topo)) if (!TOPOLOGY_FIELDS.has(k)) warn(`topology.${k}: not supported: ignored`);
  // containerlab still reads the older spelling mgmt_ipv4/mgmt_ipv6 (its smoke test: "deprecated
  // mgmt_ipv4 still works"), as each node definition is read: defaults, a kind's, a group's, the
  // node's own — the newer spelling wins within one definition, and the definitions merge after.
  const current = (d: unknown): Obj => {
    if (!isObj(d)) return {};
    if (d.mgmt_ipv4 === undefined && d.mgmt_ipv6 === undefined) return d;
    const { mgmt_ipv4: v4, mgmt_ipv6: v6, ...rest } = d;
    if (v4 !== undefined) rest["mgmt-ipv4"] ??= v4;
    if (v6 !== undefined) rest["mgmt-ipv6"] ??= v6;
    return rest;
  };
  const layers = (o: unknown): Obj => (isObj(o) ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isObj(v) ? current(v) : v])) : {});
  const defaults = current(topo.defaults);
  const kinds = layers(topo.kinds);
  const groups = layers(topo.groups);
  if (!isObj(topo.nodes) || Object.keys(topo.nodes).length === 0) bad("topology.nodes", "required: at least one node");

  const images = new Map<string, string[]>();
  const nodes: ClabNode[] = [];
  // A node's waits: stages.<stage>.wait-for [{node, stage}] (the stage waited for: create unless named), and the
  // older node-level wait-for: [names] (its create waits for theirs); a stage's exec commands. The exit stage: not here.
  const waits = (node: ClabNode, p: Obj, nodeName: string) => {
    const out: NonNullable<ClabNode["waitFor"]> = [];
    const stageOf = (v: unknown, where: string): ClabStage | undefined => {
      const s = v === undefined ? "create" : String(v);
      if (s === "exit") {
        warn(`${where}: stage exit (a container that has ended) has no counterpart: a node is a namespace, which does not end: ignored`);
        return undefined;
      }
      if (!(CLAB_STAGES as readonly string[]).includes(s)) bad(where, `stage ${s} is not one of ${[...CLAB_STAGES, "exit"].join(", ")}`);
      return s as ClabStage;
    };
    if (p.stages !== undefined) {
      if (!isObj(p.stages)) bad(`node ${nodeName}: stages`, "a mapping of stage names");
      for (const [stage, v] of Object.entries(p.stages as Obj)) {
        const where = `node ${nodeName}: stages: ${stage}`;
        const st = stageOf(stage, where);
        if (!st) continue;
        const body = isObj(v) ? v : {};
        for (const [k, e] of (Array.isArray(body.exec) ? body.exec : []).entries()) {
          const at = `${where}: exec ${k + 1}`;
          if (!isObj(e) || typeof e.command !== "string") bad(at, "each is { command, phase, target }");
          const ex = e as Obj;
          const phase = ex.phase === undefined ? "on-enter" : String(ex.phase);
          if (phase !== "on-enter" && phase !== "on-exit") bad(`${at}: phase`, `${phase} is not on-enter or on-exit`);
          const target = ex.target === undefined ? "container" : String(ex.target);
          if (target !== "container" && target !== "host") bad(`${at}: target`, `${target} is not container or host`);
          // Before its create there is no node to run a command in (containerlab's container does not exist yet either).
          if (st === "create" && phase === "on-enter" && target !== "host") {
            warn(`${at}: on-enter of stage create runs before the node exists: there is nothing to run it in: ignored (on-exit of create runs once its namespace is there)`);
            continue;
          }
          let command: string[];
          try {
            command = splitWords(ex.command as string);
          } catch (err) {
            return bad(at, (err as Error).message);
          }
          (node.stageExec ??= []).push({ stage: st, phase: phase as ClabStageExec["phase"], command, ...(target === "host" ? { host: true as const } : {}) });
        }
        for (const w of Array.isArray(body["wait-for"]) ? body["wait-for"] : []) {
          if (!isObj(w) || typeof w.node !== "string") bad(`${where}: wait-for`, "each is { node, stage }");
          const until = stageOf((w as Obj).stage, `${where}: wait-for ${(w as Obj).node}`);
          if (until) out.push({ stage: st, node: (w as Obj).node as string, until });
        }
      }
    }
    if (p["wait-for"] !== undefined) {
      if (!Array.isArray(p["wait-for"])) bad(`node ${nodeName}: wait-for`, "a list of node names");
      for (const w of p["wait-for"] as unknown[]) out.push({ stage: "create", node: String(w), until: "create" });
    }
    if (out.length) node.waitFor = out;
  };
  for (const [nodeName, raw] of Object.entries(topo.nodes as Obj)) {
    // A node's name names its container in containerlab (docker allows [a-zA-Z0-9][a-zA-Z0-9_.-]*,
    // so containerlab's deploy of `r1|edge` fails at docker) and its namespace here (a file under
    // /run/netns): refused before anything is made, naming the character.
    const odd = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(nodeName) ? undefined : /^[^A-Za-z0-9]/.test(nodeName) ? nodeName[0] : nodeName.replace(/[A-Za-z0-9_.-]/g, "")[0];
    if (odd !== undefined) bad(`node ${nodeName}`, `"${odd}" cannot be in a node's name (letters, digits, _ . - after a letter or digit, as docker's container names: containerlab's deploy fails on it too, at docker); rename the node and its links' endpoints`);
    const own = current(raw);
    if (typeof own.group === "string" && own.group && !isObj(groups[own.group])) bad(`node ${nodeName}`, `group "${own.group}" is not in topology.groups`);
    const p = mergeNode(defaults, kinds, groups, own);
    const kind = String(p.kind ?? "");
    if (!kind) bad(`node ${nodeName}`, "no kind (give kind: linux or kind: bridge, on the node, its group or topology.defaults)");
    if (kind !== "linux" && kind !== "bridge") {
      bad(`node ${nodeName}`, `kind ${kind} is not supported: netns-lab runs linux nodes (hosts, FRR routers) and bridge nodes (LANs) as network namespaces, not vendor systems in containers`);
    }
    for (const k of Object.keys(p)) {
      if (NODE_FIELDS.has(k)) continue;
      // A field containerlab does not know is refused there (its file is read strictly): a near miss
      // of one netns-lab honours (bind for binds) is refused here too, naming it; others warned.
      const near = CLAB_NODE_FIELDS.has(k) ? undefined : closest(k, [...NODE_FIELDS]);
      if (near) bad(`node ${nodeName}: ${k}`, `not a field of containerlab's nodes (did you mean "${near}"?)`);
      warn(`node ${nodeName}: ${k}: not supported (a namespace, not a container): ignored`);
    }
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
        for (const f of ["frr.conf", "daemons", "vtysh.conf"]) {
          if (!binds.some((x) => x.path === `/etc/frr/${f}`)) honoured.push({ host: path.join(b.host, f), path: `/etc/frr/${f}`, readOnly: b.readOnly, inDirectory: true });
        }
        continue;
      }
      if (frr && b.path === "/etc/frr/vtysh.conf") {
        honoured.push(b); // written where `vtysh -N <namespace>` reads it: /etc/frr/<namespace>/vtysh.conf
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
    const node: ClabNode = { name: nodeName, kind: kind as ClabNode["kind"], ...(image ? { image } : {}), frr, exec: kind === "bridge" ? [] : exec, env, binds, ...(cmd ? { cmd } : {}) };
    nodes.push(node);
    waits(node, p, nodeName);
    if (p.healthcheck !== undefined) node.healthcheck = healthcheck(p.healthcheck, `node ${nodeName}: healthcheck`, bad);
    if (kind === "bridge" && (node.waitFor || node.stageExec || node.healthcheck)) {
      // Made with the lab (its namespace and bridge), running nothing: nothing of it to hold back or check.
      warn(`node ${nodeName}: ${[node.waitFor || node.stageExec ? "stages" : "", node.healthcheck ? "healthcheck" : ""].filter(Boolean).join(", ")}: a bridge runs nothing, and is made at once: ignored (nodes waiting for its stages find them done once it is made)`);
      delete node.waitFor;
      delete node.stageExec;
      delete node.healthcheck;
    }
    const mode = p["network-mode"] === undefined ? undefined : String(p["network-mode"]);
    const shares = mode?.startsWith("container:") ? mode.slice("container:".length) : undefined;
    if (shares !== undefined && kind === "linux") {
      // Another container's network namespace, as docker's network-mode container:<name>: the node's
      // exec lines and cmd run in that node's namespace; no eth0, no cables, no filesystem of its own.
      if (frr) bad(`node ${nodeName}: network-mode`, `container:${shares}: FRR in another node's namespace would share its pathspace with that node's: give the node a namespace of its own`);
      node.sharesNamespaceOf = shares;
      if (node.binds.length) {
        warn(`node ${nodeName}: binds: a node sharing ${shares}'s network namespace has no filesystem of its own here: ignored`);
        node.binds = [];
      }
    } else if (mode !== undefined && mode !== "none" && mode !== "bridge") {
      warn(`node ${nodeName}: network-mode ${mode}: not supported (${mode === "host" ? "the machine's root namespace: netns-lab never touches it" : "a node of its own namespace instead"}): its eth0 is on the management network`);
    }
    if (p.ports !== undefined) {
      // Carried to the node's eth0 address, as docker carries them to the container's: a bridge,
      // a node without eth0 (network-mode none: docker publishes nothing there) or one sharing
      // another's namespace (that node publishes) has none.
      let ports: PublishedPort[] = [];
      try {
        ports = parsePorts(list("ports"));
      } catch (e) {
        bad(`node ${nodeName}`, (e as Error).message);
      }
      if (kind === "bridge" || mode === "none" || shares !== undefined) {
        warn(`node ${nodeName}: ports: ${kind === "bridge" ? "a bridge has no address to carry them to" : shares !== undefined ? `publish them on ${shares}, whose namespace it shares` : "network-mode none: no eth0, docker publishes none"}: ignored`);
      } else if (ports.length) {
        node.ports = ports;
      }
    }
    if (kind === "linux" && mode !== "none" && shares === undefined) {
      const given = (k: "mgmt-ipv4" | "mgmt-ipv6", sub: string): string | undefined => {
        if (p[k] === undefined) return undefined;
        const v = String(p[k]);
        if (!ipaddr.isValid(v) || !ipaddr.parse(v).match(ipaddr.parseCIDR(sub))) bad(`node ${nodeName}: ${k}`, `${v} is not an address in the management network ${sub}`);
        return ipaddr.parse(v).toString();
      };
      wanted.push({ node, ipv4: given("mgmt-ipv4", v4), ipv6: given("mgmt-ipv6", v6) });
    } else if (p["mgmt-ipv4"] !== undefined || p["mgmt-ipv6"] !== undefined) {
      warn(`node ${nodeName}: mgmt-ipv4/mgmt-ipv6: ${kind === "bridge" ? "a bridge" : "network-mode none"} has no eth0: ignored`);
    }
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
    if (ep.node === "mgmt-net" || ep.node === "host" || ep.node === "macvlan") return ep; // the host's side: hostSide() below
    if (!known.has(ep.node)) bad(where, `node ${ep.node} is not in topology.nodes`);
    const sharing = nodes.find((n) => n.name === ep.node)?.sharesNamespaceOf;
    if (sharing) bad(where, `node ${ep.node} shares ${sharing}'s network namespace (network-mode container:${sharing}): cable ${sharing} instead`);
    if (ep.interface === "eth0" && wanted.some((w) => w.node.name === ep.node)) {
      bad(where, `${ep.node}:eth0 is the node's management interface, as in containerlab (give the node network-mode: none to cable its eth0)`);
    }
    return ep;
  };
  const links: ClabLink[] = [];
  const mgmtLinks: ClabMgmtLink[] = [];
  const hostLinks: ClabMgmtLink[] = [];
  const dummyLinks: ClabDummyLink[] = [];
  const macvlanLinks: ClabMacvlanLink[] = [];
  const MODES = ["bridge", "vepa", "private", "passthru", "source"];
  const macvlanLink = (where: string, end: ClabEndpoint, parent: string, mode: unknown, mtu?: number) => {
    if (!/^[^/\s:]{1,15}$/.test(parent)) bad(where, `host-interface ${JSON.stringify(parent)} is not an interface name (1-15 characters, no /, : or space)`);
    const m = mode === undefined ? "bridge" : String(mode);
    if (!MODES.includes(m)) bad(`${where}: mode`, `${m} is not one of ${MODES.join(", ")}`);
    macvlanLinks.push({ end, parent, mode: m as ClabMacvlanLink["mode"], ...(mtu !== undefined ? { mtu } : {}) });
  };
  // A link to the host's side: the node's end, and the other end named host-interface — a port of
  // the management bridge (mgmt-net: containerlab's veth into docker's bridge; here the bridge of
  // <prefix>mgmt), or an interface in the machine's root namespace (host).
  const hostSide = (to: string, where: string, end: ClabEndpoint, hostInterface: string, mtu?: number) => {
    const list = to === "host" ? hostLinks : mgmtLinks;
    if (to === "mgmt-net" && !wanted.length) bad(where, "a link to mgmt-net, but no node is on the management network (every node network-mode: none)");
    if (!/^[^/\s:]{1,15}$/.test(hostInterface)) bad(where, `host-interface ${JSON.stringify(hostInterface)} is not an interface name (1-15 characters, no /, : or space)`);
    if (list.some((m) => m.hostInterface === hostInterface)) bad(where, `host-interface ${hostInterface} is already another link's`);
    list.push({ end, hostInterface, ...(mtu !== undefined ? { mtu } : {}) });
  };
  (Array.isArray(topo.links) ? topo.links : []).forEach((raw, n) => {
    const where = `link ${n + 1}`;
    if (!isObj(raw)) bad(where, "a link is a mapping with endpoints");
    const l = raw as Obj;
    for (const k of Object.keys(l)) if (!LINK_FIELDS.has(k) && k !== "endpoint" && k !== "host-interface") warn(`${where}: ${k}: not supported: ignored`);
    const type = l.type === undefined ? "veth" : String(l.type);
    const linkMtu = l.mtu === undefined ? undefined : Number(l.mtu);
    if (linkMtu !== undefined && !Number.isInteger(linkMtu)) bad(where, `mtu ${String(l.mtu)} is not a whole number`);
    if (type === "mgmt-net" || type === "host") {
      // The extended form: endpoint (the node's end) and host-interface.
      const end = endpoint(l.endpoint, `${where}: endpoint`);
      if (typeof l["host-interface"] !== "string") bad(where, `type ${type}: host-interface (the ${type === "host" ? "root namespace's" : "bridge's"} end) is missing`);
      if (end && (end.node === "mgmt-net" || end.node === "host")) bad(`${where}: endpoint`, `the node's end, not ${end.node}`);
      if (end) hostSide(type, where, end, l["host-interface"] as string, linkMtu);
      return;
    }
    if (type === "macvlan") {
      // The extended form: endpoint (the node's end), host-interface (the machine's), mode.
      const end = endpoint(l.endpoint, `${where}: endpoint`);
      if (typeof l["host-interface"] !== "string") bad(where, "type macvlan: host-interface (the machine's interface it sits on) is missing");
      if (end && ["mgmt-net", "host", "macvlan"].includes(end.node)) bad(`${where}: endpoint`, `the node's end, not ${end.node}`);
      if (end) macvlanLink(where, end, l["host-interface"] as string, l.mode, linkMtu);
      return;
    }
    if (type === "dummy") {
      // A dummy interface in the node (made where the kernel has them: containerlab.ts probes).
      const end = endpoint(l.endpoint, `${where}: endpoint`);
      if (end && (end.node === "mgmt-net" || end.node === "host")) bad(`${where}: endpoint`, `the node's end, not ${end.node}`);
      if (end) dummyLinks.push({ ...end, where });
      return;
    }
    if (type !== "veth") {
      warn(`${where}: type ${type} is not supported (netns-lab makes veth, host, mgmt-net, macvlan and dummy links): link ignored`);
      return;
    }
    if (!Array.isArray(l.endpoints) || l.endpoints.length !== 2) bad(where, "endpoints: two of them");
    const ends = (l.endpoints as unknown[]).map((e) => endpoint(e, where));
    if (!ends[0] || !ends[1]) return;
    const hostish = (e: ClabEndpoint) => e.node === "mgmt-net" || e.node === "host" || e.node === "macvlan";
    const side = ends.findIndex((e) => hostish(e!));
    if (side >= 0) {
      // The brief form: "node:interface" and "mgmt-net:<host-interface>", "host:<host-interface>" or "macvlan:<host-interface>".
      const other = ends[1 - side]!;
      if (hostish(other)) bad(where, `both ends on the host's side (${ends[0]!.node}, ${ends[1]!.node})`);
      if (ends[side]!.node === "macvlan") macvlanLink(where, other, ends[side]!.interface, l.mode, linkMtu);
      else hostSide(ends[side]!.node, where, other, ends[side]!.interface, linkMtu);
      return;
    }
    links.push({ ends: [ends[0], ends[1]], ...(linkMtu !== undefined ? { mtu: linkMtu } : {}) });
  });
  // A node sharing another's namespace names a plain linux node of the file that has one of its own.
  for (const n of nodes) {
    if (!n.sharesNamespaceOf) continue;
    const o = nodes.find((x) => x.name === n.sharesNamespaceOf);
    if (!o) bad(`node ${n.name}: network-mode`, `container:${n.sharesNamespaceOf}: no node ${n.sharesNamespaceOf} in topology.nodes (a container outside the lab has no counterpart here)`);
    if (o!.kind !== "linux" || o!.sharesNamespaceOf) bad(`node ${n.name}: network-mode`, `container:${o!.name}: ${o!.name} ${o!.kind !== "linux" ? "is a bridge" : "shares another's namespace itself"}: name a linux node with a namespace of its own`);
  }
  // Each wait names a node of the file, and no node waits for itself through others (containerlab
  // refuses a cycle too; here it would never end).
  for (const n of nodes) for (const w of n.waitFor ?? []) if (!known.has(w.node)) bad(`node ${n.name}: stages: ${w.stage}: wait-for`, `node ${w.node} is not in topology.nodes`);
  const cycle = stageCycle(nodes);
  if (cycle) bad("stages", `the nodes wait for each other in a circle: ${cycle}`);
  // The addresses not given, in the file's order, as docker gives them out: the first free after the gateway.
  for (const [fam, sub, gwAddr] of [["ipv4", v4, mgmtNet.ipv4Gw], ["ipv6", v6, mgmtNet.ipv6Gw]] as const) {
    const taken = new Map<string, string>([[gwAddr, "the gateway"]]);
    for (const w of wanted) {
      const a = w[fam];
      if (a === undefined) continue;
      if (taken.has(a)) bad(`node ${w.node.name}: mgmt-${fam}`, `${a} is already ${taken.get(a)}'s`);
      taken.set(a, `node ${w.node.name}`);
    }
    let next = 1n;
    const len = sub.split("/")[1];
    for (const w of wanted) {
      let a = w[fam];
      while (a === undefined) {
        const c = nthAddress(sub, next++);
        if (c === undefined) bad(`mgmt.${fam}-subnet`, `${sub} has no address left for node ${w.node.name}`);
        // The subnet's last IPv4 address is its broadcast address.
        if (fam === "ipv4" && nthAddress(sub, next) === undefined) continue;
        if (!taken.has(c!)) a = c;
      }
      taken.set(a, `node ${w.node.name}`);
      w.node.mgmt = { ...(w.node.mgmt ?? { ipv4: "", ipv6: "" }), [fam]: `${a}/${len}` };
    }
  }
  return { name, prefix, nodes, links, ...(wanted.length ? { mgmt: mgmtNet } : {}), ...(mgmtLinks.length ? { mgmtLinks } : {}), ...(hostLinks.length ? { hostLinks } : {}), ...(dummyLinks.length ? { dummyLinks } : {}), ...(macvlanLinks.length ? { macvlanLinks } : {}), warnings };
}

export { frrDaemons } from "./frr-daemons";

/**
 * A node's health check as containerlab gives it (docker's): `test` ["CMD-SHELL", line] (run by sh),
 * ["CMD", program, args…], or a line; `interval`, `timeout`, `start-period` in seconds (docker's
 * defaults 30, 30, 0) and `retries` (3). Pure.
 */
export function healthcheck(v: unknown, where: string, bad: (where: string, what: string) => never): ClabHealthcheck {
  if (!isObj(v)) return bad(where, "a mapping with test (and interval, timeout, retries, start-period)");
  const t = v.test;
  let test: string[];
  if (typeof t === "string") test = ["sh", "-c", t];
  else if (Array.isArray(t) && t[0] === "CMD-SHELL" && t.length === 2) test = ["sh", "-c", String(t[1])];
  else if (Array.isArray(t) && t[0] === "CMD" && t.length > 1) test = t.slice(1).map(String);
  else return bad(`${where}: test`, 'give ["CMD-SHELL", "a command line"] or ["CMD", "program", "arg", …]');
  const secs = (k: string, d: number, min: number) => {
    const x = v[k] === undefined ? d : Number(v[k]);
    if (!Number.isInteger(x) || x < min) bad(`${where}: ${k}`, `${String(v[k])} is not a whole number of ${k === "retries" ? "tries" : "seconds"} (at least ${min})`);
    return x;
  };
  return { test, interval: secs("interval", 30, 1), timeout: secs("timeout", 30, 1), retries: secs("retries", 3, 1), startPeriod: secs("start-period", 0, 0) };
}

/** A circle of waits (a node's stage waiting, through others, for a later or the same stage of its own), as text; undefined if none. Pure. */
export function stageCycle(nodes: ClabNode[]): string | undefined {
  // (node, stage) waits for (node, the stage before) and for what its waits name.
  const key = (n: string, s: ClabStage) => `${n}/${s}`;
  const edges = new Map<string, string[]>();
  for (const n of nodes) {
    CLAB_STAGES.forEach((s, i) => {
      const e = i ? [key(n.name, CLAB_STAGES[i - 1])] : [];
      for (const w of n.waitFor ?? []) if (w.stage === s) e.push(key(w.node, w.until));
      edges.set(key(n.name, s), e);
    });
  }
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (k: string): string | undefined => {
    if (state.get(k) === 2) return undefined;
    if (state.get(k) === 1) return [...path.slice(path.indexOf(k)), k].join(" waits for ");
    state.set(k, 1);
    path.push(k);
    for (const d of edges.get(k) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(k, 2);
    return undefined;
  };
  for (const k of edges.keys()) {
    const c = visit(k);
    if (c) return c;
  }
  return undefined;
}

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
