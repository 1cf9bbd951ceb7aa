/**
 * bin/netns-lab: see a lab, test it, step into it. Reads the lab description a stack exports
 * (`description`) and the stack's resources through the engine, and the live kernel.
 *
 *   netns-lab graph  [--format mermaid|dot|svg] [--preview]
 *   netns-lab verify [--expect A!B …]
 *   netns-lab exec   <node> [-- command …]
 *   netns-lab status
 * Common options: --stack NAME, --cwd DIR (see HELP.main).
 */
import { spawnSync } from "child_process";
import { netnsPath } from "../provider/kernel/ip";
import { Options, parseArgs, UsageError } from "./args";
import { dot, mermaid, svg } from "./graph";
import { deployedLab, previewLab, stackResources } from "./stack";
import { status } from "./status";
import { node, renderMatrix, verify } from "./verify";

export { parseArgs, UsageError };

const HELP: Record<string, string> = {
  main: `netns-lab <command> [options]

Commands:
  graph    the topology as Mermaid, Graphviz DOT or SVG
  verify   every node pings every other node's addresses; prints a matrix
  exec     run a command (default: a shell) inside a node's namespace
  status   nodes, interfaces and addresses, live, and every resource that differs from the stack

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

Reads the kernel live: per node its interfaces (state, MTU, addresses) and the routes netns-lab did
not make. Then every resource of the stack is read back by its kind, as \`pulumi refresh\` would:
one that is gone or differs is marked DRIFT, and the exit status is 2 if any is.`,
};

function requireRoot(what: string): void {
  if (process.getuid && process.getuid() !== 0) {
    throw new UsageError(`${what} enters network namespaces: run it as root (sudo bin/netns-lab …)`);
  }
}

const commands: Record<string, (o: Options) => Promise<number>> = {
  async graph(o) {
    if (!["mermaid", "dot", "svg"].includes(o.format)) throw new UsageError(`--format must be mermaid, dot or svg (got "${o.format}")`);
    const lab = o.preview ? await previewLab(o) : await deployedLab(o);
    process.stdout.write(o.format === "dot" ? dot(lab) : o.format === "svg" ? await svg(lab) : mermaid(lab));
    return 0;
  },
  async verify(o) {
    requireRoot("verify");
    const lab = await deployedLab(o);
    const r = await verify(lab, o.expect);
    console.log(renderMatrix(lab, r));
    return r.unexpected.length ? 1 : 0;
  },
  async exec(o) {
    requireRoot("exec");
    const [name, ...cmdline] = o.rest;
    if (!name || name === "--") throw new UsageError("exec needs a node name: netns-lab exec <node> -- <command…>");
    const command = cmdline[0] === "--" ? cmdline.slice(1) : cmdline;
    const n = node(await deployedLab(o), name);
    const run = command.length ? command : [process.env.SHELL || "/bin/bash"];
    // Interactive and inheriting the terminal: the one command the CLI runs itself, not through an executor.
    const r = spawnSync("ip", ["netns", "exec", n.namespace, ...run], { stdio: "inherit" });
    if (r.error) throw new UsageError(`could not run ${run[0]} in ${netnsPath(n.namespace)}: ${r.error.message}`);
    return r.status ?? 1;
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
