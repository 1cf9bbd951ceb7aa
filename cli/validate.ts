/**
 * `netns-lab validate`: a netlab topology's own `validate:` tests, run by netlab itself (`netlab
 * validate`, its test plugins, its wait times, its report and exit codes) in the lab's netlab work
 * directory. netlab reaches a clab node with `docker exec <container> bash -c …`: a `docker` of
 * ours (netlab/bin/docker) first on PATH runs that command in the node, as `netns-lab exec` does
 * (its namespace, its filesystem view, the user's sandbox, the node's machine). netlab's exit
 * codes: 0 all passed, 1 a test failed, 3 only warnings.
 */
import * as fs from "fs";
import * as path from "path";
import type { LabDescription } from "../provider/components/description";
import { netlabCommand, NetlabTopology } from "../provider/components/netlab";
import { inNode } from "./there";

/** The directory holding netlab/bin/docker: up from here (dist/cli, cli, node_modules/netns-lab/dist/cli). */
function shimDir(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "netlab", "bin", "docker"))) return path.join(d, "netlab", "bin");
  }
  throw new Error(`netns-lab's netlab/bin/docker is missing (looked up from ${__dirname}): reinstall netns-lab`);
}

/** Why the lab's netlab tests cannot run, or undefined (pure but for the files it reads). */
export function validateProblem(lab: LabDescription): string | undefined {
  if (!lab.netlab) return `the lab ${lab.name} was not made from a netlab topology (netlab()): it has no validate tests; netns-lab verify pings every node`;
  if (!fs.existsSync(path.join(lab.netlab.workDir, "netlab.snapshot.pickle"))) return `netlab's work directory ${lab.netlab.workDir} has no netlab.snapshot.pickle: run pulumi up (it runs netlab create there)`;
  return undefined;
}

/**
 * The `netlab validate` to run for the lab: its argument array, where (netlab's work directory)
 * and its environment (our docker first on PATH, then this node, which runs it; each container, by netlab's name for it, with the
 * argument array that enters its node). `extra`: netlab validate's own options (--test NAME, --nodes …).
 */
export function validateCommand(lab: LabDescription, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): { file: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  const problem = validateProblem(lab);
  if (problem) throw new Error(problem);
  const workDir = lab.netlab!.workDir;
  const t = JSON.parse(fs.readFileSync(path.join(workDir, "netlab.json"), "utf8")) as NetlabTopology;
  const nodes: Record<string, string[]> = {};
  for (const n of lab.nodes) {
    const [file, args] = inNode(n, []);
    nodes[t.nodes[n.name]?.hostname ?? n.name] = [file, ...args];
  }
  return {
    file: netlabCommand(env),
    args: ["validate", ...extra],
    cwd: workDir,
    env: { ...env, PATH: [shimDir(), path.dirname(process.execPath), env.PATH ?? "/usr/bin:/bin"].join(":"), NETNS_LAB_DOCKER_NODES: JSON.stringify(nodes) },
  };
}
