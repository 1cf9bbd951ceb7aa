/**
 * bin/netns-lab: see a lab, test it, step into it. Reads the lab description a stack exports
 * (`description`) and the stack's resources through the engine, and the live kernel.
 *
 *   netns-lab graph  [--format mermaid|dot|svg] [--preview]
 *   netns-lab verify [--expect A!B …]
 *   netns-lab validate [-- netlab validate's options]
 *   netns-lab exec   <node> [-- command …]
 *   netns-lab status
 *   netns-lab logs    <node> [name]
 *   netns-lab capture <node> <interface> [-w FILE]
 *   netns-lab sweep   --stack NAME [--project NAME]
 *   netns-lab init    [--project NAME]
 *   netns-lab sandbox status|stop [--force]
 *   netns-lab render  <file.clab.yml> [--vars FILE …]
 *   netns-lab inspect
 *   netns-lab ui      [--port P] [--listen ADDR] [--exec]
 * Common options: --stack NAME, --cwd DIR (see HELP.main).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { local } from "../provider/kernel/exec";
import { sweep } from "../provider/sweep";
import { netnsPath } from "../provider/kernel/ip";
import { Options, parseArgs, UsageError } from "./args";
import { dot, mermaid, svg } from "./graph";
import { deployedLab, previewLab, stackResources } from "./stack";
import { status } from "./status";
import { node, nodeExecutor, renderMatrix, verify } from "./verify";
import { captureCommand, inNode, inProcess } from "./there";
import { init } from "./init";
import { inspect } from "./inspect";
import { serveUi } from "./ui";
import { renderContainerlab } from "../provider/components/containerlab-render";
import { validateCommand, validateProblem } from "./validate";
import { ensureHolder, sandboxStatus, sandboxWanted, stopSandbox, subordinateIdsAdvice } from "../provider/kernel/sandbox";

export { parseArgs, UsageError };

const HELP: Record<string, string> = {
  main: `netns-lab <command> [options]

Commands:
  graph    the topology as Mermaid, Graphviz DOT or SVG
  verify   every node pings every other node's addresses; prints a matrix
  validate a netlab topology's own validate: tests, run by netlab itself in the lab
  exec     run a command (default: a shell) inside a node's namespace
  status   nodes, interfaces, addresses and processes, live, and every resource that differs from the stack
  logs     the log of a process the lab runs in a node
  capture  tcpdump inside a node: packets on an interface, printed or written as a pcap
  sweep    remove by their markers whatever a stack made that its state does not list (fast mode)
  init     a new lab project here, from the template (for netns-lab installed as a package)
  sandbox  the sandbox a user who is not root runs labs in: status, or stop it
  render   a containerlab topology file as containerlab renders it (template, vars, environment)
  inspect  the nodes as containerlab's inspect lists them: state, management addresses, addresses
  ui       the lab live in a browser: its picture, cables up or down, rates, processes, drift

Options for every command:
  --stack NAME   the stack (default: the selected one)
  --cwd DIR      the Pulumi project (default: . if it has a Pulumi.yaml, else the netns-lab checkout)
Run \`netns-lab <command> --help\` for more.`,
  graph: `netns-lab graph [--format mermaid|dot|svg] [--preview] [--stack NAME]

Prints the lab's topology: nodes with their role, links with interface names, addresses and subnet.
  --format   mermaid (default), dot, or svg (rendered with Graphviz in WebAssembly)
  --preview  from the program alone (pulumi preview), before anything is deployed`,
  verify: `netns-lab verify [--expect A!B …] [--wait SECONDS] [--sample N] [--stack NAME]

Every node that has an address pings every address of every other node (1 packet each, in
parallel) and prints a matrix. Exit status 1 on any unexpected result. Pairs that must NOT reach
each other come from the lab (its description's expectUnreachable) and from --expect A!B (B a node
or a network). --wait retries until all is as expected, for up to SECONDS (a routing protocol
converging). --sample N checks N pairs picked at random (the same ones on every run) and the
first node with the last, and lists them: for large labs.`,
  validate: `netns-lab validate [--stack NAME] [-- netlab validate's options…]

For a lab made from a netlab topology (netlab()): runs the topology's validate: tests with netlab
itself (netlab validate: its test plugins, its wait times, its report) in the lab's netlab work
directory. netlab's docker exec to a node runs the command in the node, as netns-lab exec does.
Exit status netlab's: 0 all passed, 1 a test failed, 3 warnings only. After --, netlab's own
options, e.g. -- --test adj, -- --list.`,
  exec: `netns-lab exec <node> [--process NAME] [-- command [args…]] [--stack NAME]

Runs the command inside the node's network namespace (default: $SHELL or /bin/bash) and exits
with its exit status. With --process, inside all the namespaces of that process of the node (its
own PID, IPC and mount namespaces, if it has them). Example: netns-lab exec host1 -- ping -c1 192.168.2.2`,
  status: `netns-lab status [--stack NAME]

Reads the kernel live: per node its interfaces (state, MTU, addresses), NAT, processes (the lab's,
running or not, and any other found in the node's network namespace) and the routes netns-lab did
not make. Then every resource of the stack is read back by its kind, as \`pulumi refresh\` would:
one that is gone or differs is marked DRIFT, and the exit status is 2 if any is.`,
  logs: `netns-lab logs <node> [name] [--stack NAME]

Prints the log (stdout and stderr) of a process the lab runs in the node; the name may be left out
when the node runs one.`,
  capture: `netns-lab capture <node> <interface> [-w FILE] [--stack NAME]

Runs tcpdump (Debian's tcpdump) inside the node on the interface: packets printed as they pass, or
written to FILE as a pcap for Wireshark with -w. Ctrl-C stops it.`,
  sweep: `netns-lab sweep --stack NAME [--project NAME]

Removes from this machine everything that carries the stack's ownership marker: its processes,
its namespaces (and all inside them) with their /etc/netns entries, its /run/netns-lab files.
For fast mode (NETNS_LAB_FAST=1: state written once, at the end), where an up killed midway
leaves objects its state never listed; bin/pulumi runs it after every destroy in fast mode.
The project defaults to the name in the project directory's Pulumi.yaml.`,
  init: `netns-lab init [--project NAME] [--cwd DIR]

Writes a new lab project in the current directory (or DIR) from netns-lab's template: Pulumi.yaml,
index.ts (the stack program), lab.ts (the lab), lab.test.ts (a jest test of it with
netns-lab/testing), jest.config.js, tsconfig.json; and adds to package.json what they need (main,
npm test, the dependencies it lacks, netns-lab as ^<version> unless it has it already). Refuses to
overwrite any of those files. Then: npm install, npx netns-lab-pulumi stack init dev, npx
netns-lab-pulumi up, npm test. The project name defaults to the directory's name.`,
  sandbox: `netns-lab sandbox status|stop [--force]

For a user who is not root, labs run in a sandbox: a holder process owning a user namespace (the
user mapped to root), a mount namespace (its own /run/netns, /run/netns-lab, /etc/netns) and a
network namespace; started by the first command that needs it (bin/pulumi up), found again by later
ones. status: whether it runs, its pid, the namespaces and processes in it. stop: ends it and all in
it; refused while it holds namespaces (destroy those labs first) unless --force.
NETNS_LAB_SANDBOX=0 never uses it, =1 uses it even as root; NETNS_LAB_SANDBOX_DIR moves its record.`,
  inspect: `netns-lab inspect [--stack NAME]

The lab's nodes as containerlab's inspect lists its containers: name, namespace, role, state (its
namespace there or not, read live), the management network's addresses (a lab from a containerlab
file: each node's eth0) and the lab's own addresses.`,
  ui: `netns-lab ui [--port P] [--listen ADDR] [--exec] [--stack NAME]

Serves a page showing the lab live: its nodes and cables (placed by Graphviz; drag a node to move
it, remembered per stack in the browser), each cable up or down with its rate each way (the
kernel's counters, every second), each node's processes running or dead, its FRR/BIRD routing
neighbours, and drift (what status marks). Click a node for its addresses, routes and the tail of
its processes' logs. Any stack: a Lab's description or raw resources, read again on each reload.
Prints the URL to open, with a random token (as Jupyter's): without it the server answers 403.
  --port    the port (default: any free one)
  --listen  the address to listen on (default 127.0.0.1, this machine only; the token still applies)
  --exec    acting from the page too: a terminal in a node (what netns-lab exec NODE runs) and a
            capture of an interface downloaded as a pcap (tcpdump in the node, 10 s)
Ctrl-C stops it (and hangs up its terminals). Without --exec it reads the lab; it changes nothing.`,
  render: `netns-lab render <file.clab.yml> [--vars FILE …]

Prints the containerlab topology file as containerlab renders it before reading it, which is what
containerlab() reads: a Go text/template (Go's own package, with containerlab's functions: add,
subtract, mul, div, rem, seq, ToJSON, ToJSONPretty, strings.Split/ReplaceAll, conv.Join/ToInt, and
sub-templates from clab_templates/*.gotmpl beside the file), with the vars files given (merged in
order, a later file's top-level keys winning; --vars a.yml,b.yml as containerlab's) or, with none,
those beside the file named <file without its last extension>_vars.yml|.yaml|.json; then
environment variables expanded as containerlab does ($X and \${X} replaced when X is set and not
empty, \${X:=default} gives its default, an unset $X stays as written).`,
};

/** The `name:` of the Pulumi.yaml in dir. */
function projectName(dir: string): string {
  const file = path.join(dir, "Pulumi.yaml");
  const m = fs.existsSync(file) ? /^name:\s*['"]?([^'"\s#]+)/m.exec(fs.readFileSync(file, "utf8")) : null;
  if (!m) throw new UsageError(`no project name in ${file}: give it with --project NAME`);
  return m[1];
}

function requireRoot(what: string): void {
  // Not root: the user's sandbox (provider/kernel/sandbox.ts), unless turned off.
  if (process.getuid && process.getuid() !== 0 && !sandboxWanted()) {
    throw new UsageError(`${what} enters network namespaces: run it as root (sudo bin/netns-lab …)`);
  }
}

const commands: Record<string, (o: Options) => Promise<number>> = {
  async init(o) {
    const dir = o.cwdGiven ? o.cwd : process.cwd();
    const r = init(dir, { name: o.project });
    console.log(`wrote ${r.written.join(", ")} in ${dir}`);
    console.log(r.added.length ? `added to package.json: ${r.added.join(", ")}: run npm install` : "package.json had every dependency");
    console.log("then: npx netns-lab-pulumi stack init dev && npx netns-lab-pulumi up --yes (as root, or as yourself: in your sandbox); npm test type-checks and runs lab.test.ts");
    return 0;
  },
  async graph(o) {
    if (!["mermaid", "dot", "svg"].includes(o.format)) throw new UsageError(`--format must be mermaid, dot or svg (got "${o.format}")`);
    const lab = o.preview ? await previewLab(o) : await deployedLab(o);
    process.stdout.write(o.format === "dot" ? dot(lab) : o.format === "svg" ? await svg(lab) : mermaid(lab));
    return 0;
  },
  async verify(o) {
    requireRoot("verify");
    const lab = await deployedLab(o);
    const until = Date.now() + o.wait * 1000;
    let r = await verify(lab, o.expect, local, o.sample);
    while (r.unexpected.length && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 1000));
      r = await verify(lab, o.expect, local, o.sample);
    }
    console.log(renderMatrix(lab, r));
    return r.unexpected.length ? 1 : 0;
  },
  async validate(o) {
    requireRoot("validate");
    const lab = await deployedLab(o);
    const problem = validateProblem(lab);
    if (problem) throw new UsageError(problem);
    const c = validateCommand(lab, o.rest[0] === "--" ? o.rest.slice(1) : o.rest);
    const r = spawnSync(c.file, c.args, { cwd: c.cwd, env: c.env, stdio: "inherit" });
    if (r.error) throw new UsageError(`could not run netlab (${c.file}): ${r.error.message}; make deps installs it`);
    return r.status ?? 1;
  },
  async exec(o) {
    requireRoot("exec");
    const [name, ...cmdline] = o.rest;
    if (!name || name === "--") throw new UsageError("exec needs a node name: netns-lab exec <node> -- <command…>");
    const command = cmdline[0] === "--" ? cmdline.slice(1) : cmdline;
    const n = node(await deployedLab(o), name);
    const run = command.length ? command : [process.env.SHELL || "/bin/bash"];
    // Interactive and inheriting the terminal: the one command the CLI runs itself, not through an
    // executor; on another machine through ssh (-t at a terminal) with the machine's options, quoted for its shell.
    let pid: number | undefined;
    if (o.process) {
      // Into all of that process's namespaces (its own PID, IPC, mount ones, if it has them).
      const p = (n.processes ?? []).find((x) => x.name === o.process);
      if (!p) throw new UsageError(`${name} runs no process "${o.process}"${n.processes?.length ? `: it runs ${n.processes.map((x) => x.name).join(", ")}` : ""}`);
      pid = (await stackResources(o)).find((x) => x.kind === "Process" && x.name === p.resource)?.outputs.pid;
      if (!pid) throw new UsageError(`${name}/${o.process} is not running (the stack records no pid): run bin/pulumi up`);
    }
    const [file, args] = pid ? inProcess(n, pid, run, process.stdin.isTTY) : inNode(n, run, process.stdin.isTTY);
    const r = spawnSync(file, args, { stdio: "inherit" });
    if (r.error) throw new UsageError(`could not run ${run[0]} in ${netnsPath(n.namespace)}: ${r.error.message}`);
    return r.status ?? 1;
  },
  async logs(o) {
    requireRoot("logs");
    const [name, which] = o.rest;
    if (!name) throw new UsageError("logs needs a node: netns-lab logs <node> [name]");
    const n = node(await deployedLab(o), name);
    const ps = n.processes ?? [];
    const p = which ? ps.find((x) => x.name === which) : ps.length === 1 ? ps[0] : undefined;
    if (!p) {
      throw new UsageError(ps.length ? `${name} runs ${ps.map((x) => x.name).join(", ")}: say which (netns-lab logs ${name} <name>)` : `${name} runs no process`);
    }
    const r = (await stackResources(o)).find((x) => x.kind === "Process" && x.name === p.resource);
    const file = r?.outputs.logFile;
    // The log is where the process runs: on the node's machine.
    const text = file ? await nodeExecutor(n).readFile(file) : undefined;
    if (text === undefined) throw new UsageError(`no log for ${name}/${p.name}${file ? ` (${file} is missing)` : ": the process was never started"}`);
    process.stdout.write(text);
    return 0;
  },
  async capture(o) {
    requireRoot("capture");
    const [name, iface] = o.rest;
    if (!name || !iface) throw new UsageError("capture needs a node and an interface: netns-lab capture <node> <interface> [-w FILE]");
    const n = node(await deployedLab(o), name);
    if (!n.interfaces.some((i) => i.name === iface)) {
      throw new UsageError(`${name} has no interface "${iface}": it has ${n.interfaces.map((i) => i.name).join(", ")}`);
    }
    // --immediate-mode and -U: each packet is printed, or reaches the pcap, as it is captured.
    // Ctrl-C (or a SIGTERM) is passed on to tcpdump, which then closes the file and reports its counts.
    // On the node's machine; a pcap of a remote node comes back over ssh and is written here.
    if (!n.machine && sandboxWanted() && ensureHolder().ids === "own") {
      // tcpdump switches to its own user, which needs setgroups(2): refused where only the user's uid is mapped.
      throw new UsageError(subordinateIdsAdvice("capture (tcpdump switches to its own user)"));
    }
    const { command: [file, args], toStdout } = captureCommand(n, iface, o.write);
    const out = toStdout ? fs.openSync(o.write!, "w") : "inherit";
    const child = spawn(file, args, { stdio: ["inherit", out, "inherit"] });
    const pass = (sig: NodeJS.Signals) => () => child.kill(sig);
    process.on("SIGINT", pass("SIGINT")).on("SIGTERM", pass("SIGTERM"));
    return new Promise((resolve, reject) => {
      child.on("error", (e) => reject(new UsageError(`could not run tcpdump: ${e.message} (apt-get install tcpdump)`)));
      child.on("exit", (code) => resolve(code ?? 0));
    });
  },
  async sweep(o) {
    requireRoot("sweep");
    if (!o.stack) throw new UsageError("sweep needs the stack: netns-lab sweep --stack NAME");
    const project = o.project ?? projectName(o.cwd);
    const r = await sweep(project, o.stack);
    console.log(`swept ${project}/${o.stack}: ${r.namespaces.length} namespaces, ${r.processes.length} processes`);
    return 0;
  },
  async inspect(o) {
    requireRoot("inspect");
    const [lab, resources] = await Promise.all([deployedLab(o), stackResources(o)]);
    console.log(await inspect(lab, resources));
    return 0;
  },
  async render(o) {
    const [file, extra] = o.rest;
    if (!file || extra) throw new UsageError(`render needs one topology file\n\n${HELP.render}`);
    if (!fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
    try {
      process.stdout.write(renderContainerlab(file, o.vars));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    return 0;
  },
  async sandbox(o) {
    const [what] = o.rest;
    if (what === "status" || what === undefined) {
      const s = sandboxStatus();
      if (!s.running) {
        console.log(`sandbox: not running (record in ${s.dir}; the first lab command starts it${sandboxWanted() ? "" : ", for a user who is not root"})`);
        return 0;
      }
      console.log(`sandbox: running, holder pid ${s.holder!.pid} since ${s.holder!.since} (ids: ${s.holder!.ids === "subordinate" ? "the user's and its subordinate range" : "the user's alone"}; /etc/netns: ${s.holder!.etc}; record in ${s.dir})`);
      console.log(`  ${s.namespaces.length} network namespace(s)${s.namespaces.length ? `: ${s.namespaces.join(" ")}` : ""}`);
      console.log(`  ${s.processes} process(es) in it (the holder included)`);
      return 0;
    }
    if (what === "stop") {
      let r: ReturnType<typeof stopSandbox>;
      try {
        r = stopSandbox(undefined, o.force);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      console.log(r.stopped ? `sandbox stopped: ${r.killed} process(es) ended${r.namespaces.length ? `, ${r.namespaces.length} namespace(s) gone with it` : ""}` : "sandbox: not running");
      return 0;
    }
    throw new UsageError(`sandbox ${what}: say status or stop\n\n${HELP.sandbox}`);
  },
  async ui(o) {
    requireRoot("ui");
    const s = await serveUi(o, { port: o.port, listen: o.listen, exec: o.exec }, (line) => console.error(line));
    console.log(`netns-lab ui: open ${s.url}`);
    console.log("Ctrl-C stops it");
    return new Promise((resolve) => {
      const stop = () => void s.close().then(() => resolve(0));
      process.once("SIGINT", stop).once("SIGTERM", stop);
    });
  },
  async status(o) {
    requireRoot("status");
    const [lab, resources] = await Promise.all([deployedLab(o), stackResources(o)]);
    const r = await status(lab, resources);
    console.log(r.text);
    return r.drift ? 2 : 0;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    console.log(HELP.main);
    return cmd ? 0 : 1;
  }
  const run = commands[cmd];
  if (!run) throw new UsageError(`unknown command "${cmd}"\n\n${HELP.main}`);
  const o = parseArgs(rest);
  if (o.help) {
    console.log(HELP[cmd]);
    return 0;
  }
  return run(o);
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
