/**
 * bin/netns-lab: see a lab, test it, step into it. Reads the lab description a stack exports
 * (`description`: nodes, interfaces, addresses, links) through the engine, and the live kernel.
 *
 *   netns-lab graph  [--format mermaid|dot|svg] [--preview]
 *   netns-lab verify [--expect A!B …]
 *   netns-lab exec   <node> [-- command …]
 *   netns-lab status
 * Common options: --stack NAME (default: the selected stack), --cwd DIR (the Pulumi project;
 * default: the current directory if it has a Pulumi.yaml, else this netns-lab checkout).
 */
import { execFile, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import type { LabDescription } from "../provider/components";
import { networkOf } from "../provider/kinds/common";

const execFileP = promisify(execFile);
const PKG = path.resolve(__dirname, "..", "..");

export class UsageError extends Error {}

// ---- reading the lab ------------------------------------------------------------------------

interface Options {
  stack?: string;
  cwd: string;
  rest: string[];
  flags: Record<string, string[]>;
}

export function parseArgs(argv: string[]): Options {
  const flags: Record<string, string[]> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest.push("--", ...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const [k, v] = a.includes("=") ? [a.slice(2, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a.slice(2), undefined];
      const boolean = ["preview", "help", "json"].includes(k);
      const value = boolean ? "true" : v ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${k} needs a value`);
      (flags[k] ??= []).push(value);
    } else rest.push(a);
  }
  const cwd = flags.cwd?.[0] ?? (fs.existsSync("Pulumi.yaml") ? process.cwd() : PKG);
  return { stack: flags.stack?.[0], cwd: path.resolve(cwd), rest, flags };
}

function pulumiBin(): string {
  return path.join(PKG, "bin", "pulumi");
}

async function pulumi(o: Options, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileP(pulumiBin(), [...args, ...(o.stack ? ["--stack", o.stack] : [])], {
      cwd: o.cwd,
      maxBuffer: 1 << 28,
    });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const msg = (err.stderr || err.message).trim().split("\n").slice(-3).join("\n");
    throw new UsageError(`pulumi ${args[0]} ${args[1] ?? ""} failed${o.stack ? ` for stack ${o.stack}` : ""}: ${msg}`);
  }
}

/** The lab as the deployed stack describes it. */
export async function deployedLab(o: Options): Promise<LabDescription> {
  const out = JSON.parse(await pulumi(o, ["stack", "output", "--json"]));
  if (!out.description) {
    throw new UsageError(`stack ${o.stack ?? "(selected)"} is not up, or its program exports no lab description: run \`make up\` (or bin/pulumi up)`);
  }
  return out.description as LabDescription;
}

/**
 * The lab as the program would make it, without deploying anything: `pulumi preview` runs the
 * program, whose Lab.describe() writes the description to NETNS_LAB_DESCRIBE_TO.
 */
export async function previewLab(o: Options): Promise<LabDescription> {
  const file = path.join(fs.mkdtempSync(path.join(require("os").tmpdir(), "netns-lab-describe-")), "lab.json");
  process.env.NETNS_LAB_DESCRIBE_TO = file;
  try {
    await pulumi(o, ["preview"]);
    if (!fs.existsSync(file)) throw new UsageError("the program builds no Lab (or never calls lab.describe()): nothing to draw");
    return JSON.parse(fs.readFileSync(file, "utf8")) as LabDescription;
  } finally {
    delete process.env.NETNS_LAB_DESCRIBE_TO;
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

function node(lab: LabDescription, name: string) {
  const n = lab.nodes.find((x) => x.name === name);
  if (!n) throw new UsageError(`unknown node "${name}": the lab has ${lab.nodes.map((x) => x.name).join(", ")}`);
  return n;
}

function requireRoot(what: string): void {
  if (process.getuid && process.getuid() !== 0) {
    throw new UsageError(`${what} enters network namespaces: run it as root (sudo bin/netns-lab …)`);
  }
}

// ---- graph --------------------------------------------------------------------------------------

const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");
const subnetOf = (addr?: string) => (addr ? networkOf(addr) : "");
const shapes: Record<string, { dot: string; mermaid: [string, string] }> = {
  host: { dot: "box", mermaid: ["[", "]"] },
  router: { dot: "ellipse", mermaid: ["((", "))"] },
  bridge: { dot: "hexagon", mermaid: ["{{", "}}"] },
};

export function mermaid(lab: LabDescription): string {
  const lines = ["graph LR"];
  for (const n of lab.nodes) {
    const [l, r] = (shapes[n.role] ?? shapes.host).mermaid;
    lines.push(`  ${id(n.name)}${l}"${n.name}<br/>${n.role}"${r}`);
  }
  for (const l of lab.links) {
    const [a, b] = l.ends;
    const net = subnetOf(a.address ?? b.address);
    const label = `${a.interface} ${a.address ?? "-"}<br/>${net}<br/>${b.interface} ${b.address ?? "-"}`;
    lines.push(`  ${id(a.node)} ---|"${label}"| ${id(b.node)}`);
  }
  return lines.join("\n") + "\n";
}

export function dot(lab: LabDescription): string {
  const q = (s: string) => `"${s.replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  const lines = [
    `graph ${q(lab.name)} {`,
    "  rankdir=LR; ranksep=0.4;",
    '  node [fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  for (const n of lab.nodes) {
    lines.push(`  ${q(n.name)} [label=${q(`${n.name}\n${n.role}`)}, shape=${(shapes[n.role] ?? shapes.host).dot}, tooltip=${q(n.namespace)}];`);
  }
  for (const l of lab.links) {
    const [a, b] = l.ends;
    const net = subnetOf(a.address ?? b.address);
    // One label per cable, read left to right: the left end, the subnet, the right end.
    const end = (e: { interface: string; address?: string }) => `${e.interface} ${e.address ?? "(no address)"}`;
    lines.push(`  ${q(a.node)} -- ${q(b.node)} [label=${q(`${end(a)}\n[ ${net} ]\n${end(b)}`)}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** SVG from the DOT text, rendered by Graphviz compiled to WebAssembly (no browser, no system Graphviz). */
export async function svg(lab: LabDescription): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const viz = await (require("@viz-js/viz") as { instance(): Promise<{ renderString(src: string, o: { format: string }): string }> }).instance();
  return viz.renderString(dot(lab), { format: "svg" });
}

// ---- verify -------------------------------------------------------------------------------------

function pingOnce(ns: string, addr: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn("ip", ["netns", "exec", ns, "ping", "-c", "1", "-W", "1", "-q", addr], { stdio: "ignore" });
    p.on("exit", (code) => resolve(code === 0));
    p.on("error", () => resolve(false));
  });
}

export interface VerifyResult {
  matrix: Record<string, Record<string, "ok" | "fail" | "expected-fail" | "unexpected-ok" | "-">>;
  unexpected: string[];
}

/** Every node with an address pings every address of every other node, in parallel. */
export async function verify(lab: LabDescription, expect: string[]): Promise<VerifyResult> {
  const unreachable = new Set([...(lab.expectUnreachable ?? []).map(([a, b]) => `${a}!${b}`), ...expect]);
  for (const e of expect) {
    const [a, b] = e.split("!");
    if (!a || !b) throw new UsageError(`--expect takes A!B (A must not reach B), got "${e}"`);
    node(lab, a);
    node(lab, b);
  }
  const addrs = (n: LabDescription["nodes"][number]) => n.interfaces.map((i) => i.address?.split("/")[0]).filter((a): a is string => !!a);
  const matrix: VerifyResult["matrix"] = {};
  const unexpected: string[] = [];
  const jobs: Promise<void>[] = [];
  for (const src of lab.nodes) {
    matrix[src.name] = {};
    for (const dst of lab.nodes) {
      if (src === dst || addrs(src).length === 0 || addrs(dst).length === 0) {
        matrix[src.name][dst.name] = "-";
        continue;
      }
      jobs.push(
        Promise.all(addrs(dst).map((a) => pingOnce(src.namespace, a))).then((rs) => {
          const reached = rs.every(Boolean);
          const mustNot = unreachable.has(`${src.name}!${dst.name}`);
          const cell = mustNot ? (rs.some(Boolean) ? "unexpected-ok" : "expected-fail") : reached ? "ok" : "fail";
          matrix[src.name][dst.name] = cell;
          if (cell === "fail" || cell === "unexpected-ok") unexpected.push(`${src.name} -> ${dst.name}: ${cell}`);
        }),
      );
    }
  }
  await Promise.all(jobs);
  return { matrix, unexpected };
}

export function renderMatrix(lab: LabDescription, r: VerifyResult): string {
  const names = lab.nodes.map((n) => n.name);
  const w = Math.max(6, ...names.map((n) => n.length)) + 1;
  const sym = { ok: "ok", fail: "FAIL", "expected-fail": "x (expected)", "unexpected-ok": "OK?!", "-": "-" } as const;
  const cw = Math.max(w, 13);
  const lines = [["from \\ to".padEnd(w), ...names.map((n) => n.padEnd(cw))].join(" ")];
  for (const s of names) lines.push([s.padEnd(w), ...names.map((d) => sym[r.matrix[s][d]].padEnd(cw))].join(" "));
  lines.push(r.unexpected.length ? `\n${r.unexpected.length} unexpected: ${r.unexpected.join("; ")}` : "\nall as expected");
  return lines.join("\n");
}

// ---- status -------------------------------------------------------------------------------------

interface LinkJ { ifname: string; operstate: string; flags: string[]; mtu: number; addr_info?: Array<{ local: string; prefixlen: number; scope: string }> }
interface RouteJ { dst: string; gateway?: string; dev?: string; protocol?: string }

export async function status(lab: LabDescription): Promise<{ text: string; drift: number }> {
  const out: string[] = [];
  let drift = 0;
  const mark = (bad: boolean) => (bad ? (drift++, "  <- DRIFT") : "");
  const nsList = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.split("\n").map((l) => l.split(" ")[0]);
  for (const n of lab.nodes) {
    if (!nsList.includes(n.namespace)) {
      out.push(`${n.name} (${n.role}, namespace ${n.namespace}): namespace MISSING${mark(true)}`);
      continue;
    }
    const j = async <T>(args: string[]) => JSON.parse((await execFileP("ip", ["-j", "-n", n.namespace, ...args])).stdout || "[]") as T;
    const [links, routes, fwd] = await Promise.all([
      j<LinkJ[]>(["addr", "show"]),
      j<RouteJ[]>(["route", "show"]),
      execFileP("ip", ["netns", "exec", n.namespace, "cat", "/proc/sys/net/ipv4/ip_forward"]).then((r) => r.stdout.trim() === "1"),
    ]);
    const wantFwd = n.role === "router" && n.interfaces.some((i) => i.address);
    out.push(`${n.name} (${n.role}, namespace ${n.namespace}): ipv4 forwarding ${fwd ? "on" : "off"}${mark(n.role === "router" && wantFwd !== fwd)}`);
    for (const i of n.interfaces) {
      const l = links.find((x) => x.ifname === i.name);
      if (!l) {
        out.push(`  ${i.name}: MISSING${mark(true)}`);
        continue;
      }
      const v4 = (l.addr_info ?? []).filter((a) => a.scope !== "link").map((a) => `${a.local}/${a.prefixlen}`);
      const wantAddr = i.address ? [i.address] : [];
      const missing = wantAddr.filter((a) => !v4.includes(a));
      const extra = v4.filter((a) => !wantAddr.includes(a));
      out.push(`  ${i.name.padEnd(16)} ${l.operstate.padEnd(5)} mtu ${l.mtu}  ${v4.join(" ") || "(no address)"}` +
        `${missing.length ? `  missing ${missing.join(" ")}` : ""}${extra.length ? `  extra ${extra.join(" ")}` : ""}` +
        mark(missing.length > 0 || extra.length > 0 || !l.flags.includes("UP")));
    }
    for (const r of routes.filter((x) => x.protocol !== "kernel")) {
      out.push(`  route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ""}${r.dev ? ` dev ${r.dev}` : ""}${r.protocol === "78" ? "" : ` (proto ${r.protocol ?? "boot"}: not made by netns-lab)`}`);
    }
  }
  out.push(drift ? `\n${drift} difference(s) from the stack: run \`bin/pulumi refresh\` to see them in the state, \`bin/pulumi up\` to repair` : "\nmatches the stack");
  return { text: out.join("\n"), drift };
}

// ---- main ---------------------------------------------------------------------------------------

const HELP: Record<string, string> = {
  main: `netns-lab <command> [options]

Commands:
  graph    the topology as Mermaid, Graphviz DOT or SVG
  verify   every node pings every other node's addresses; prints a matrix
  exec     run a command (default: a shell) inside a node's namespace
  status   nodes, interfaces, addresses, routes and forwarding, live, with drift marked

Options for every command:
  --stack NAME   the stack (default: the selected one)
  --cwd DIR      the Pulumi project (default: . if it has a Pulumi.yaml, else the netns-lab checkout)
Run \`netns-lab <command> --help\` for more.`,
  graph: `netns-lab graph [--format mermaid|dot|svg] [--preview] [--stack NAME]

Prints the lab's topology: nodes with their role, links with interface names, addresses and subnet.
  --format   mermaid (default), dot, or svg (rendered with Graphviz in WebAssembly)
  --preview  from the program alone (pulumi preview), before anything is deployed`,
  verify: `netns-lab verify [--expect A!B …] [--stack NAME]

Every node that has an address pings every address of every other node (1 packet each, in
parallel) and prints a matrix. Exit status 1 on any unexpected result. Pairs that must NOT reach
each other come from the lab (its description's expectUnreachable) and from --expect A!B.`,
  exec: `netns-lab exec <node> [-- command [args…]] [--stack NAME]

Runs the command inside the node's network namespace (default: $SHELL or /bin/bash) and exits
with its exit status. Example: netns-lab exec host1 -- ping -c1 192.168.2.2`,
  status: `netns-lab status [--stack NAME]

Reads the kernel live: per node its namespace, forwarding, interfaces (state, MTU, addresses) and
routes, compared with the stack's lab description. Differences are marked DRIFT; exit status 2 if any.`,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    console.log(HELP.main);
    return cmd ? 0 : 1;
  }
  if (!(cmd in HELP) || cmd === "main") throw new UsageError(`unknown command "${cmd}"\n\n${HELP.main}`);
  const o = parseArgs(rest);
  if (o.flags.help) {
    console.log(HELP[cmd]);
    return 0;
  }
  switch (cmd) {
    case "graph": {
      const format = o.flags.format?.[0] ?? "mermaid";
      if (!["mermaid", "dot", "svg"].includes(format)) throw new UsageError(`--format must be mermaid, dot or svg (got "${format}")`);
      const lab = o.flags.preview ? await previewLab(o) : await deployedLab(o);
      process.stdout.write(format === "dot" ? dot(lab) : format === "svg" ? await svg(lab) : mermaid(lab));
      return 0;
    }
    case "verify": {
      requireRoot("verify");
      const lab = await deployedLab(o);
      const r = await verify(lab, o.flags.expect ?? []);
      console.log(renderMatrix(lab, r));
      return r.unexpected.length ? 1 : 0;
    }
    case "exec": {
      requireRoot("exec");
      const [name, ...cmdline] = o.rest;
      if (!name) throw new UsageError("exec needs a node name: netns-lab exec <node> -- <command…>");
      const command = cmdline[0] === "--" ? cmdline.slice(1) : cmdline;
      const lab = await deployedLab(o);
      const n = node(lab, name);
      const run = command.length ? command : [process.env.SHELL || "/bin/bash"];
      const r = spawnSync("ip", ["netns", "exec", n.namespace, ...run], { stdio: "inherit" });
      if (r.error) throw new UsageError(`could not run ${run[0]}: ${r.error.message}`);
      return r.status ?? 1;
    }
    case "status": {
      requireRoot("status");
      const r = await status(await deployedLab(o));
      console.log(r.text);
      return r.drift ? 2 : 0;
    }
  }
  return 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`netns-lab: ${e instanceof UsageError ? e.message : (e as Error).stack}`);
      process.exit(e instanceof UsageError ? 2 : 1);
    },
  );
}
