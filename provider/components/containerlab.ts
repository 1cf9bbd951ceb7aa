/**
 * containerlab topology files (`.clab.yml`) as labs: `containerlab("frr01.clab.yml")` reads the file
 * and declares the same lab as namespaces, returning a `Lab` (so `describe()`, the graph, verify and
 * the CLI work). Three steps, the second pure:
 *
 *   renderContainerlab(file, vars)   the file rendered as containerlab renders it: a Go template
 *                                     (its functions, clab_templates/*.gotmpl, vars files), then
 *                                     environment variables (containerlab-render.ts, clab-render/)
 *   planContainerlab(text, baseDir)  the file as a plan (containerlab-plan.ts): nodes with their merged properties
 *                                     (defaults < kinds < groups < node), links as endpoint pairs,
 *                                     and one warning per field or image netns-lab cannot honour
 *   containerlab(file, opts)          the plan declared: Hosts, Routers (FRR), Switches (bridges),
 *                                     links, Commands (exec), Processes (cmd, FRR's daemons)
 *
 * What maps (containerlab's schema, schemas/clab.schema.json, and its docs):
 * - `kind: linux` → a node (a Host; a Router, kernel forwarding on, when it runs FRR); `kind: bridge`
 *   → a LAN (a Switch: a namespace holding the bridge; containerlab's bridge is in the host's root
 *   namespace, which netns-lab never touches). Other kinds are vendor systems: refused.
 * - links: `endpoints: ["a:eth1", "b:eth1"]` and the extended `type: veth` form (`mtu`, each
 *   endpoint's `mac`); an end on a bridge node is a port of its bridge.
 * - `exec`: each line a Command run in the node after its links (and FRR), in order; split into
 *   words as containerlab splits it (no shell: `bash -c "…"` for one). `env` is their environment.
 * - `cmd`: the node's program, a Process (a plain node only).
 * - FRR images (`frrouting/frr`, `quay.io/frrouting/frr`): this machine's FRR (Debian `frr`) runs in
 *   the node, one pathspace per node (`-N <namespace>`: `vtysh -N <namespace>` reaches it), its
 *   daemons those the bound `daemons` file enables (zebra and staticd always), each reading the
 *   bound `frr.conf`; a change to either restarts them. Its run directory goes with it.
 * - Addresses an `exec` line (`ip address add CIDR dev IF`) or the FRR config (`interface IF` /
 *   ` ip address CIDR`) gives are the node's in the lab's description (verify pings them).
 * - `binds` of a plain node (`host:path[:ro]`): the node gets a filesystem of its own (NodeFilesystem:
 *   its own /etc, /var, /tmp, /root, /run, copy-on-write or empty) holding them as bind mounts; its
 *   exec lines and cmd run in that view. An FRR node's binds are its frr.conf and daemons file.
 * Everything else (cpu, memory, ports, mgmt-ipv4, healthcheck, an FRR node's other binds, an image's
 * own filesystem, `host`/`dummy`/`macvlan` links …) is one warning naming it, never dropped
 * silently; `strict: true` makes them errors. Relative paths resolve against the file.
 */
import * as fs from "fs";
import * as path from "path";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { ensureHolder, sandboxWanted, subordinateIdsAdvice } from "../kernel/sandbox";
import { Command, File, IpAddress, MacvlanLink, VethLink } from "../resources";
import { Lab } from "./lab";
import { LabNode } from "./node";
import { ClabBind, ClabEndpoint, ClabNode, ClabStage, execAddresses, frrAddresses, planContainerlab } from "./containerlab-plan";
import { frrDaemonStarts } from "./frr-daemons";
import { renderContainerlab } from "./containerlab-render";
import { checkOptions } from "./options";
import { canAddLink } from "../kernel/probe";
import { mountPoint, topOf } from "../kernel/nodefs";
import { forwarderCommand } from "./ports";

export * from "./containerlab-plan";
export { renderContainerlab } from "./containerlab-render";

/** Options of `containerlab()`. */
export interface ContainerlabOptions {
  /** Prepended to every node's namespace name (default as containerlab names containers: `clab-<name>-`, or the file's `prefix`). */
  namespacePrefix?: string;
  /** Refuse the file when any field or image cannot be honoured (default: a warning for each). */
  strict?: boolean;
  /** The Lab component's name (default the topology's name). */
  name?: string;
  /** Make containerlab's management network (every linux node's eth0 on a bridge; default true). */
  mgmt?: boolean;
  /**
   * This machine at the management network's gateway, as containerlab's host is: an interface in
   * the root namespace (the sandbox's, for a user who is not root) holding the gateway addresses,
   * named by `mgmt.bridge` or `br-<hash of the prefix>`, so ssh, ping and curl from this machine
   * reach every node's eth0. A second lab on the same subnet is then refused, as containerlab
   * refuses it. Default false: each lab's management network stays in a namespace of its own
   * (reached with `ip netns exec <prefix>mgmt …`), so labs on docker's default subnet coexist.
   */
  mgmtHost?: boolean;
  /**
   * Vars files for the topology's template, merged in order as containerlab merges its `--vars`
   * (relative to the working directory). Default: those beside the file
   * (`<file without its last extension>_vars.*`), as containerlab finds them.
   */
  vars?: string[];
  /** The component's options (parent, providers …). */
  resourceOptions?: pulumi.ComponentResourceOptions;
}

const FRR_BIN = "/usr/lib/frr";

/**
 * docker's health check, run once the node is configured: the test every `interval` seconds (the
 * first after one interval), each bounded by `timeout`; healthy at the first success; unhealthy
 * (the step fails, naming it) after `retries` failures counted once `start-period` has passed.
 * Arguments: interval timeout retries start-period test…
 */
const HEALTH =
  'i=$1 t=$2 r=$3 p=$4; shift 4; n=0; f=0; while :; do sleep "$i"; n=$((n + i)); if timeout "$t" "$@" >/dev/null 2>&1; then echo healthy after "$n"s; exit 0; fi; ' +
  'if [ "$n" -gt "$p" ]; then f=$((f + 1)); if [ "$f" -ge "$r" ]; then echo "unhealthy: its health check failed $f times in a row ($*)" >&2; exit 1; fi; fi; done';

/**
 * The cables an exec line's effect lives on, made again with them: those whose interface the line
 * names (`ip address add … dev eth1`); a line naming none of the node's interfaces (a route by its
 * next hop), all of them.
 */
export function linesCables(argv: string[], cables: Array<[string, pulumi.Resource]>): pulumi.Resource[] {
  const named = cables.filter(([ifname]) => argv.some((w) => w.split(/[^\w.@-]+/).includes(ifname)));
  return (named.length ? named : cables).map(([, r]) => r);
}

/**
 * A containerlab topology file as a lab, rendered first as containerlab renders it (a Go template
 * with its vars files, then environment variables: containerlab-render.ts). Warnings (one per field or image it cannot honour) go to
 * the engine's log; with `strict` they are one error instead.
 */
export function containerlab(file: string, opts: ContainerlabOptions = {}): Lab {
  try {
    return declare(file, opts);
  } catch (e) {
    throw usersMistake(e, file);
  }
}

/**
 * A mistake in the user's own file or options, as Pulumi prints a program's own errors: the message
 * alone (a RunError), not an "unhandled exception" with netns-lab's stack trace. Anything else (a
 * defect of ours) keeps its trace.
 */
export function usersMistake(e: unknown, file: string): unknown {
  if (!(e instanceof Error) || pulumi.RunError.isInstance(e)) return e;
  const m = (e as Error).message;
  return m.startsWith(file) || m.startsWith(`containerlab("${file}")`) || m.startsWith(`netlab("${file}")`) ? new pulumi.RunError(m) : e;
}

function declare(file: string, opts: ContainerlabOptions): Lab {
  checkOptions(`containerlab("${file}")`, "ContainerlabOptions", opts);
  const abs = path.resolve(file);
  const plan = planContainerlab(renderContainerlab(abs, opts.vars), path.dirname(abs), file, opts.namespacePrefix);
  // Published ports need this machine's ports: in the sandbox of a user who is not root they would
  // be the sandbox's, which nothing outside it reaches. Refused there, before anything is made.
  const publishing = plan.nodes.filter((n) => n.ports);
  if (publishing.length && sandboxWanted()) {
    throw new Error(`${file}: ${publishing.map((n) => `node ${n.name}`).join(", ")}: ports: a user who is not root has no ports of this machine to publish (in the sandbox they would be the sandbox's, which nothing outside it reaches): run as root, or reach the node through netns-lab exec`);
  }
  // What this kernel lacks, refused before anything is declared (so before anything is made).
  if (plan.dummyLinks && !canAddLink(["nl-probe", "type", "dummy"])) {
    throw new Error(`${file}: ${plan.dummyLinks.map((d) => `${d.where} (${d.node}:${d.interface})`).join(", ")}: type dummy needs dummy interfaces, which this kernel lacks (ip link add type dummy fails; CONFIG_DUMMY): refused`);
  }
  if (opts.strict && plan.warnings.length) {
    throw new Error(`${file}: netns-lab cannot honour ${plan.warnings.length === 1 ? "this" : `these ${plan.warnings.length}`} (strict):\n- ${plan.warnings.join("\n- ")}`);
  }
  // What would stop an FRR node, said before anything is declared (what a program declared before it throws is still made).
  for (const n of plan.nodes.filter((x) => x.frr)) {
    for (const b of n.binds.filter((x) => x.path === "/etc/frr/frr.conf" || x.path === "/etc/frr/daemons")) {
      if (!fs.existsSync(b.host)) throw new Error(`${file}: node ${n.name}: bound file ${b.host} does not exist`);
    }
    if (!fs.existsSync(`${FRR_BIN}/zebra`)) throw new Error(`${file}: node ${n.name} runs FRR (${n.image}), which is not installed here: apt-get install frr (make system-deps installs it; its service is never started)`);
    // Its daemons switch to FRR's user: in the sandbox of a user who is not root, a subordinate id.
    if (sandboxWanted() && ensureHolder().ids === "own") throw new Error(`${file}: node ${n.name}: ${subordinateIdsAdvice("FRR (its daemons switch to FRR's user)")}`);
  }
  const lab = new Lab(opts.name ?? plan.name, { ...opts.resourceOptions, namespacePrefix: opts.namespacePrefix ?? plan.prefix });
  for (const w of plan.warnings) pulumi.log.warn(`${file}: ${w}`, lab);

  const made = new Map<string, LabNode>();
  // containerlab's stages: what makes each (node, stage) done, known once all is declared; a stage
  // that waits depends on it (the plan refused circles).
  const done = new Map<string, { promise: Promise<pulumi.Resource[]>; resolve: (r: pulumi.Resource[]) => void }>();
  const stageDone = (node: string, stage: ClabStage) => {
    let d = done.get(`${node}/${stage}`);
    if (!d) {
      let resolve!: (r: pulumi.Resource[]) => void;
      const promise = new Promise<pulumi.Resource[]>((r) => (resolve = r));
      done.set(`${node}/${stage}`, (d = { promise, resolve }));
    }
    return d;
  };
  const waitsIn = (n: ClabNode, stage: ClabStage): Promise<pulumi.Resource[]>[] => (n.waitFor ?? []).filter((w) => w.stage === stage).map((w) => stageDone(w.node, w.until).promise);
  const flat = (ps: Promise<pulumi.Resource[]>[]) => Promise.all(ps).then((l) => l.flat());
  for (const n of plan.nodes.filter((x) => !x.frr && x.binds.length)) {
    for (const b of n.binds) {
      if (!fs.existsSync(b.host)) throw new Error(`${file}: node ${n.name}: bound ${b.host} does not exist (binds: ${b.path})`);
      // Where its mount point would come from, as the node's filesystem will find it: refused here, before anything is made.
      const stat = (p: string) => fs.statSync(p, { throwIfNoEntry: false });
      const at = stat(b.path);
      const where = mountPoint(b.path, stat(b.host)!.isDirectory(), at && { isDirectory: at.isDirectory() }, !!stat(topOf(b.path)));
      if (typeof where === "object") throw new Error(`${file}: node ${n.name}: binds: ${b.host}:${b.path}: ${where.problem}`);
    }
  }
  for (const n of plan.nodes.filter((x) => !x.sharesNamespaceOf)) {
    // A plain node with binds: a filesystem of its own holding them (its exec lines and cmd see them), and its name as host name (a container's).
    const filesystem = !n.frr && n.binds.length ? { binds: n.binds.map((b) => ({ source: b.host, target: b.path, ...(b.readOnly ? { readOnly: true } : {}) })), hostname: true as const } : undefined;
    // As containerlab's deploy: a node whose exec, env, binds or cmd change is made anew (its exec lines run again on a fresh node).
    const recreateOn = crypto.createHash("sha256").update(JSON.stringify([n.exec, n.env, n.binds, n.cmd ?? null])).digest("hex").slice(0, 16);
    // Its create waits (and those of its create-links, whose cables need its namespace first).
    const early = [...waitsIn(n, "create"), ...waitsIn(n, "create-links")];
    const waitsFor = early.length ? flat(early) : undefined;
    made.set(n.name, n.kind === "bridge" ? lab.lan(n.name, []) : n.frr ? lab.router(n.name, { recreateOn, waitsFor }) : lab.host(n.name, { recreateOn, waitsFor, ...(filesystem ? { filesystem } : {}) }));
  }
  // network-mode container:<node>: what the node runs runs in that node's namespace.
  for (const n of plan.nodes.filter((x) => x.sharesNamespaceOf)) made.set(n.name, made.get(n.sharesNamespaceOf!)!);
  // Each node's cables: its exec lines are made again with any of them (below).
  const cables = new Map<string, Array<[string, pulumi.Resource]>>();
  // A stage's exec commands (containerlab's stages: <stage>: exec), in order, each after `after`;
  // as the node's exec lines: run in the node, a failure warned and the next still run.
  const stageRun = (n: ClabNode, stage: ClabStage, phase: "on-enter" | "on-exit", after: pulumi.Input<pulumi.Resource>[]): pulumi.Resource[] => {
    const node = made.get(n.name)!;
    const out: pulumi.Resource[] = [];
    // Before the node's cables (create's on-exit, create-links' on-enter): not after what lives in its namespace.
    const early = stage === "create" || (stage === "create-links" && phase === "on-enter");
    (n.stageExec ?? []).filter((e) => e.stage === stage && e.phase === phase).forEach((e, k) => {
      const c = new Command(
        `${n.name}-stage-${stage}-${phase}-${k + 1}`,
        { namespace: node.namespace.name, create: e.command, environment: n.env, check: false, ...(e.host ? { host: true } : early ? { early: true } : {}), ...(node.filesystem && !e.host ? { filesystem: true } : {}), ...node.on },
        { parent: node, dependsOn: [...after, ...out.slice(-1), ...(node.filesystem ? [node.filesystem] : [])], replaceWith: linesCables(e.command, cables.get(n.name) ?? []) },
      );
      pulumi.all([c.exitCode, c.stdout, c.stderr]).apply(([code, out2, err]) => {
        if (code) pulumi.log.warn(`${file}: node ${n.name}: stages: ${stage}: exec (${phase}) \`${e.command.join(" ")}\` exited ${code}${err || out2 ? `: ${(err || out2).trim()}` : ""}`, node);
      });
      out.push(c);
    });
    return out;
  };
  // What runs in a node before its cables: create's on-exit (its namespace there), then
  // create-links' on-enter; every cable of the node is made after them (LinkOptions.after).
  const beforeCables = new Map<string, pulumi.Resource[]>();
  const createdStage = new Map<string, pulumi.Resource[]>();
  for (const n of plan.nodes.filter((x) => x.kind === "linux")) {
    // create's on-enter: only on the host (the plan keeps no other), once the namespace is there, before the rest.
    const entered = stageRun(n, "create", "on-enter", [made.get(n.name)!.namespace]);
    const created = [...entered, ...stageRun(n, "create", "on-exit", [made.get(n.name)!.namespace, ...entered])];
    const entering = stageRun(n, "create-links", "on-enter", [made.get(n.name)!.namespace, ...created]);
    createdStage.set(n.name, created);
    if (created.length || entering.length) beforeCables.set(n.name, [...created, ...entering]);
  }
  const afterOf = (...nodes: string[]) => {
    const after = nodes.flatMap((x) => beforeCables.get(x) ?? []);
    return after.length ? { after } : {};
  };
  const dependsOnBefore = (node: string) => (beforeCables.has(node) ? { dependsOn: beforeCables.get(node)! } : {});
  for (const l of plan.links) {
    const [a, b] = l.ends;
    const na = made.get(a.node)!, nb = made.get(b.node)!;
    const bridge = (e: ClabEndpoint) => (plan.nodes.find((n) => n.name === e.node)!.kind === "bridge" ? e.node : undefined);
    const link = lab.link(na, nb, {
      name: `${a.node}-${a.interface}--${b.node}-${b.interface}`,
      names: [a.interface, b.interface],
      ...(l.mtu !== undefined ? { mtu: l.mtu } : {}),
      ...(a.mac || b.mac ? { macs: [a.mac, b.mac] } : {}),
      ...(bridge(a) || bridge(b) ? { masters: [bridge(a), bridge(b)] } : {}),
      ...afterOf(a.node, b.node),
    });
    for (const e of [a, b]) if (link.veth) cables.set(e.node, [...(cables.get(e.node) ?? []), [e.interface, link.veth]]);
  }

  // Dummy interfaces (containerlab's `dummy` links; the kernel checked above). Up, in the node; gone with it.
  for (const d of plan.dummyLinks ?? []) {
    const node = made.get(d.node)!;
    const c = new Command(`${d.node}-${d.interface}-dummy`, {
      namespace: node.namespace.name,
      create: ["sh", "-c", 'ip link add "$1" type dummy && ip link set "$1" up', "sh", d.interface],
      delete: ["ip", "link", "del", d.interface],
      ...node.on,
    }, { parent: node, ...dependsOnBefore(d.node) });
    node.interfaces.push({ name: d.interface, peer: "" });
    cables.set(d.node, [...(cables.get(d.node) ?? []), [d.interface, c]]);
  }

  // macvlan links: the node's interface on an interface of this machine, born in the node's
  // namespace (MacvlanLink) and gone with it.
  for (const m of plan.macvlanLinks ?? []) {
    const node = made.get(m.end.node)!;
    const bridge = plan.nodes.find((x) => x.name === m.end.node)!.kind === "bridge" ? m.end.node : undefined;
    const dev = new MacvlanLink(
      `${m.end.node}-${m.end.interface}--macvlan-${m.parent}`,
      {
        name: m.end.interface, namespace: node.namespace.name, parent: m.parent, mode: m.mode,
        ...(m.mtu !== undefined ? { mtu: m.mtu } : {}), ...(m.end.mac ? { mac: m.end.mac } : {}), ...(bridge ? { master: bridge } : {}), ...node.on,
      },
      { parent: node, ...dependsOnBefore(m.end.node) },
    );
    node.interfaces.push({ name: m.end.interface, peer: "" });
    cables.set(m.end.node, [...(cables.get(m.end.node) ?? []), [m.end.interface, dev]]);
  }

  // Links to the host (containerlab's `host` links): the node's end, and one in the machine's root
  // namespace named host-interface (in the sandbox of a user who is not root, the sandbox's), born
  // from there in one call and gone with the node's namespace (VethLink's peerInRoot).
  for (const h of plan.hostLinks ?? []) {
    const node = made.get(h.end.node)!;
    const bridge = plan.nodes.find((x) => x.name === h.end.node)!.kind === "bridge" ? h.end.node : undefined;
    const veth = new VethLink(
      `${h.end.node}-${h.end.interface}--host-${h.hostInterface}`,
      {
        name: h.end.interface,
        namespace: node.namespace.name,
        peerName: h.hostInterface,
        peerInRoot: true,
        ...(h.mtu !== undefined ? { mtu: h.mtu } : {}),
        ...(h.end.mac ? { mac: h.end.mac } : {}),
        ...(bridge ? { master: bridge } : {}),
        ...node.on,
      },
      { parent: node, ...dependsOnBefore(h.end.node) },
    );
    node.interfaces.push({ name: h.end.interface, peer: "host" });
    cables.set(h.end.node, [...(cables.get(h.end.node) ?? []), [h.end.interface, veth]]);
  }

  // The management network, as containerlab's (docker's bridge): every linux node's eth0 on a bridge,
  // here in a namespace of the lab's (`<prefix>mgmt`) holding the gateway address; each node's
  // default route through it, before its exec lines (which may replace it, as they do in containerlab).
  const mgmtRoute = new Map<string, pulumi.Resource>();
  if (plan.mgmtLinks && opts.mgmt === false) {
    throw new Error(`${file}: ${plan.mgmtLinks.map((m) => `${m.end.node}:${m.end.interface}`).join(", ")}: a link to mgmt-net, but the lab has no management network (mgmt: false)`);
  }
  if (plan.mgmt && opts.mgmt !== false) {
    const mg = plan.mgmt;
    let swName = "mgmt";
    while (made.has(swName)) swName += "-net";
    const sw = lab.lan(swName, [], { ...(mg.mtu ? { mtu: mg.mtu } : {}) });
    const gateways = [`${mg.ipv4Gw}/${mg.ipv4Subnet.split("/")[1]}`, `${mg.ipv6Gw}/${mg.ipv6Subnet.split("/")[1]}`];
    if (opts.mgmtHost) {
      // The gateway on this machine: a port of the bridge whose other end, in the root namespace,
      // holds the gateway's addresses (and goes with the management namespace).
      const hostEnd = mg.bridge ?? `br-${crypto.createHash("sha256").update(plan.prefix).digest("hex").slice(0, 12)}`;
      new VethLink(`${swName}-host`, {
        name: "host", namespace: sw.namespace.name, master: swName, peerName: hostEnd, peerInRoot: true, peerAddresses: gateways, ...(mg.mtu ? { mtu: mg.mtu } : {}), ...sw.on,
      }, { parent: sw });
    } else {
      for (const [k, fam] of ["v4", "v6"].entries()) {
        new IpAddress(`${swName}-gateway-${fam}`, { namespace: sw.namespace.name, device: swName, address: gateways[k], ...sw.on }, { parent: sw });
      }
    }
    for (const n of plan.nodes.filter((x) => x.mgmt)) {
      const port = `m${crypto.createHash("sha256").update(n.name).digest("hex").slice(0, 10)}`;
      const node = made.get(n.name)!;
      const link = lab.link(node, sw, { name: `${n.name}-eth0--${swName}`, names: ["eth0", port], masters: [undefined, swName], ...(mg.mtu ? { mtu: mg.mtu } : {}), ...afterOf(n.name) });
      // Its addresses are not the lab's description's (verify, hosts files, graph): every node reaches
      // every other there, and a node's name means its lab addresses.
      const addrs = [n.mgmt!.ipv4, n.mgmt!.ipv6].map(
        (a, k) => new IpAddress(`${n.name}-mgmt-address${k ? "-v6" : ""}`, { namespace: node.namespace.name, device: "eth0", address: a, ...node.on }, { parent: node, ...(link.veth ? { replaceWith: [link.veth] } : {}) }),
      );
      mgmtRoute.set(
        n.name,
        new Command(`${n.name}-mgmt-default`, { namespace: node.namespace.name, create: ["ip", "route", "add", "default", "via", mg.ipv4Gw, "dev", "eth0"], ...node.on }, { parent: node, dependsOn: addrs, ...(link.veth ? { replaceWith: [link.veth] } : {}) }),
      );
    }
    // Links to mgmt-net: a veth from the node into the management bridge, its port named by
    // host-interface (containerlab's is in docker's bridge on the host). Addresses: the exec lines'.
    for (const m of plan.mgmtLinks ?? []) {
      const node = made.get(m.end.node)!;
      const bridge = plan.nodes.find((x) => x.name === m.end.node)!.kind === "bridge" ? m.end.node : undefined;
      const link = lab.link(node, sw, {
        name: `${m.end.node}-${m.end.interface}--mgmt-net-${m.hostInterface}`,
        names: [m.end.interface, m.hostInterface],
        masters: [bridge, swName],
        ...(m.mtu !== undefined ? { mtu: m.mtu } : mg.mtu ? { mtu: mg.mtu } : {}),
        ...(m.end.mac ? { macs: [m.end.mac, undefined] } : {}),
        ...afterOf(m.end.node),
      });
      if (link.veth) cables.set(m.end.node, [...(cables.get(m.end.node) ?? []), [m.end.interface, link.veth]]);
    }
  }

  for (const n of plan.nodes) {
    const node = made.get(n.name)!;
    const addAddresses = (pairs: Array<[string, string]>) => {
      for (const [ifname, cidr] of pairs) lab.noteAddresses(node, ifname, [cidr]);
    };
    let before: pulumi.Resource[] = mgmtRoute.has(n.name) ? [mgmtRoute.get(n.name)!] : [];
    // Its configure stage (FRR, cmd, exec lines) waits for what its stages name.
    const configureWaits = waitsIn(n, "configure");
    const waited: pulumi.Input<pulumi.Resource>[] = configureWaits.length ? [flat(configureWaits) as unknown as pulumi.Input<pulumi.Resource>] : [];
    const links = (cables.get(n.name) ?? []).map(([, r]) => r);
    // create-links' on-exit once its cables are there; configure's on-enter before what it runs.
    const linked = stageRun(n, "create-links", "on-exit", [node.namespace, ...links]);
    const entering = stageRun(n, "configure", "on-enter", [node.namespace, ...links, ...linked, ...waited]);
    const pre = [...linked, ...entering];
    before = [...before, ...pre];
    if (n.frr) {
      const confBind = n.binds.find((b) => b.path === "/etc/frr/frr.conf");
      const daemons = n.binds.find((b) => b.path === "/etc/frr/daemons");
      const text = (b?: ClabBind) => {
        if (!b || (b.inDirectory && !fs.existsSync(b.host))) return undefined;
        if (!fs.existsSync(b.host)) throw new Error(`${file}: node ${n.name}: bound file ${b.host} does not exist`);
        return fs.readFileSync(b.host, "utf8");
      };
      const confText = text(confBind) ?? `hostname ${n.name}\n`;
      const ps = node.nsName;
      // The configuration in FRR's run directory of the node (readable by FRR's user; gone with it).
      const confPath = `/var/run/frr/${ps}/frr.conf`;
      // A change to the configuration or the daemons file restarts every daemon (their environment).
      const hash = crypto.createHash("sha256").update(confText).update("\0").update(text(daemons) ?? "").digest("hex").slice(0, 16);
      // The daemons run as FRR's own user, as the package runs them (its vty group is frrvty); their
      // run directory (pid files, vty sockets: what vtysh -N finds) is theirs, made first, removed last.
      const runDir = `/var/run/frr/${ps}`;
      // ospfd and ospf6d write their graceful-restart state to /var/run/frr/ospf[6]d-gr.json whatever
      // the pathspace (FRR 8.4) when they stop: an empty state ({"instances":{}}, nothing to restore)
      // is removed with the run directory; one holding instances is left alone (not ours to judge).
      const dir = new Command(`${n.name}-frr-rundir`, {
        namespace: node.namespace.name,
        create: ["install", "-d", "-o", "frr", "-g", "frr", "-m", "0755", runDir],
        delete: ["sh", "-c", 'rm -rf -- "$1"; for f in /var/run/frr/ospfd-gr.json /var/run/frr/ospf6d-gr.json; do [ "$(tr -d " \t\n" < "$f" 2>/dev/null)" = \'{"instances":{}}\' ] && rm -f -- "$f"; done; true', "sh", runDir],
        ...node.on,
      }, { parent: node });
      const conf = new File(`${n.name}-frr-conf`, { path: confPath, content: confText, ...node.on }, { parent: node, dependsOn: [dir] });
      // vtysh -N <namespace> reads /etc/frr/<namespace>/vtysh.conf (and says it cannot open it on
      // every call where there is none): the bound one, else FRR's integrated default, written there
      // and removed with the node (its directory too, when nothing else is left in it). In the
      // sandbox of a user who is not root, /etc/frr is the sandbox's own (a tmpfs: sandbox-start.ts);
      // a sandbox started by a version before that has the host's there, not the user's to write:
      // a warning then, saying how to get it.
      const vty = text(n.binds.find((b) => b.path === "/etc/frr/vtysh.conf"));
      const sandboxed = sandboxWanted();
      const vtyConf = new Command(`${n.name}-vtysh-conf`, {
        namespace: node.namespace.name,
        create: ["sh", "-c", 'mkdir -p -- "$1" 2>/dev/null && printf "%s" "$2" > "$1/vtysh.conf" || { echo "vtysh.conf not written to $1 (vtysh -N says it cannot open it)${3:+: $3}" >&2; exit 1; }', "sh", `/etc/frr/${ps}`, vty ?? "service integrated-vtysh-config\n", sandboxed ? "the sandbox was started by an older netns-lab: netns-lab sandbox stop, then up again" : ""],
        delete: ["sh", "-c", 'rm -f -- "$1/vtysh.conf"; rmdir -- "$1" 2>/dev/null; true', "sh", `/etc/frr/${ps}`],
        ...(sandboxed ? { check: false } : {}),
        ...node.on,
      }, { parent: node });
      if (sandboxed) vtyConf.exitCode.apply((code) => code && vtyConf.stderr.apply((err) => pulumi.log.warn(`${file}: node ${n.name}: ${err.trim()}`, node)));
      let first = true;
      // Each daemon with the options the daemons file gives it (frr_global_options, -F frr_profile,
      // <daemon>_options; -A 127.0.0.1 where it gives none), as FRR's start script starts it.
      for (const { daemon: d, options } of frrDaemonStarts(text(daemons), `${file}: node ${n.name}: daemons`)) {
        // Each daemon names the file: it is made first (the file is its need).
        const p = node.run(d, [`${FRR_BIN}/${d}`, "-N", ps, "-f", confPath, "-u", "frr", "-g", "frr", ...options], {
          env: { NETNS_LAB_FRR_CONFIG: hash },
          ...(first ? {} : { after: "zebra" }),
        }, { dependsOn: [dir, conf, ...waited, ...pre] });
        before.push(p);
        first = false;
      }
      addAddresses(frrAddresses(confText));
    } else if (n.cmd) {
      before.push(node.run(n.sharesNamespaceOf ? `${n.name}-cmd` : "cmd", n.cmd, { env: n.env }, { dependsOn: [...waited, ...pre] }));
    }
    // Published ports: a forwarder (ports.ts) listening on this machine, connecting to the node's
    // eth0 address (the loopback where the lab has no management network).
    if (n.ports) {
      const at = n.mgmt && plan.mgmt && opts.mgmt !== false ? n.mgmt.ipv4.split("/")[0] : "127.0.0.1";
      node.run("ports", forwarderCommand(n.ports, at));
    }
    n.exec.forEach((argv, k) => {
      // A failing line does not fail the lab, as in containerlab (its deploy logs the line's exit
      // code and output and goes on): a warning quotes it, and the next lines still run.
      const c = new Command(
        `${n.name}-exec-${k + 1}`,
        { namespace: node.namespace.name, create: argv, environment: n.env, check: false, ...(node.filesystem ? { filesystem: true } : {}), ...node.on },
        // A cable of the node made anew (its peer recreated) takes what the lines set on it (addresses,
        // routes): they run again, as containerlab re-runs the exec lines of a node whose links it re-made.
        { parent: node, dependsOn: [...before, ...waited, ...(node.filesystem ? [node.filesystem] : [])], replaceWith: linesCables(argv, cables.get(n.name) ?? []) },
      );
      pulumi.all([c.exitCode, c.stdout, c.stderr]).apply(([code, out, err]) => {
        if (code) pulumi.log.warn(`${file}: node ${n.name}: exec \`${argv.join(" ")}\` exited ${code}${err || out ? `: ${(err || out).trim()}` : ""} (as containerlab, the node's next lines still ran)`, node);
      });
      before = [c];
    });
    addAddresses(execAddresses(n.exec));

    // Stages done: create (its namespace), create-links (and its cables, and its on-exit commands),
    // configure (and what it runs: FRR, cmd, exec lines, and its commands), healthy (its health
    // check, when it has one, and its commands).
    const leaving = stageRun(n, "configure", "on-exit", [node.namespace, ...links, ...before]);
    const configured = [node.namespace, ...links, ...before, ...leaving];
    stageDone(n.name, "create").resolve([node.namespace, ...(createdStage.get(n.name) ?? [])]);
    stageDone(n.name, "create-links").resolve([node.namespace, ...links, ...linked]);
    stageDone(n.name, "configure").resolve(configured);
    const healthyCommands = (done: pulumi.Resource[]) => {
      const enter = stageRun(n, "healthy", "on-enter", done);
      return [...done, ...enter, ...stageRun(n, "healthy", "on-exit", [...done, ...enter])];
    };
    if (n.healthcheck) {
      const h = n.healthcheck;
      const healthy = new Command(
        `${n.name}-healthy`,
        { namespace: node.namespace.name, create: ["sh", "-c", HEALTH, "healthcheck", String(h.interval), String(h.timeout), String(h.retries), String(h.startPeriod), ...h.test], ...(node.filesystem ? { filesystem: true } : {}), ...node.on },
        { parent: node, dependsOn: [...configured, ...waitsIn(n, "healthy").map((p) => p as unknown as pulumi.Input<pulumi.Resource>)], replaceWith: links },
      );
      stageDone(n.name, "healthy").resolve(healthyCommands([healthy]));
    } else {
      // No check: healthy once configured (containerlab's wait on a node without one does not wait).
      const healthyWaits = waitsIn(n, "healthy");
      stageDone(n.name, "healthy").resolve(healthyCommands(configured));
      if (healthyWaits.length) pulumi.log.warn(`${file}: node ${n.name}: stages: healthy: wait-for: the node has no healthcheck, so its healthy stage is its configure stage's end`, node);
    }
  }
  return lab;
}
