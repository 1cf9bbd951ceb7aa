/**
 * Command: argument arrays run in a node's network namespace at create, update and delete, as
 * pulumi-command's local.Command runs them on a machine. `create` runs when the resource is made;
 * a change to `create` or `environment` runs `update` when given (in place), else replaces the
 * Command (its `delete`, then the new `create`); a change to `triggers` always replaces it. Its
 * stdout and stderr are outputs. A command that exits non-zero fails the step, its output quoted.
 * Run with `ip netns exec` (so the node's /etc/netns hosts file is its /etc/hosts), the environment
 * a small base (PATH, HOME, LANG) plus `environment`; never through a shell unless the argv is one.
 *
 * What it made is the command's own business: refresh has nothing to read back (it keeps the
 * outputs), and nothing is adopted or marked. containerlab's `exec` lines become Commands.
 */
import { z } from "zod";
import { baseEnv } from "../kernel/env";
import * as netns from "../kernel/netns";
import * as nodefs from "../kernel/nodefs";
import { argument, environment, nsname } from "./fields";
import { Ctx, defineKind, InputsOf, noNamespace, Props, same } from "./kind";
import { Need, pathsIn } from "../needs";

const argv = z.array(argument).min(1, "a command line needs at least the program");
const inputs = {
  /** The network namespace it runs in (a NetNamespace's name). */
  namespace: nsname,
  /** Run at create: the program and its arguments. */
  create: argv,
  /** Run when `create` or `environment` changes (default: the Command is replaced instead). */
  update: argv.optional(),
  /** Run at delete (default: nothing). */
  delete: argv.optional(),
  /** Added to a small base environment (PATH, HOME, LANG). */
  environment: environment.optional(),
  /** Any values: when they change, the Command is replaced (delete, then create again). */
  triggers: z.array(z.unknown()).optional(),
  /** Run in the node's own filesystem view (a NodeFilesystem of the namespace) instead of the host's. */
  filesystem: z.boolean().optional(),
};
type I = InputsOf<typeof inputs>;


/** Runs one line in the namespace; its stdout and stderr, or an error quoting its output. */
async function runLine(c: Ctx, i: I, line: string[], phase: string): Promise<{ stdout: string; stderr: string }> {
  const env = Object.entries({ ...baseEnv(), ...(i.environment ?? {}) }).map(([k, v]) => `${k}=${v}`);
  let stderr = "";
  // env -i: exactly that environment, not the provider's. A failure's message quotes its output.
  const [file, ...args] = i.filesystem ? nodefs.enterNode(i.namespace, { uts: await nodefs.hasUts(c.x, i.namespace) }) : ["ip", "netns", "exec", i.namespace];
  const stdout = await c.x.run(file, [...args, "env", "-i", ...env, ...line], {
    doing: `${phase} command \`${line.join(" ")}\` in ${i.namespace}`,
    onStderr: (t) => (stderr = t),
  });
  return { stdout, stderr };
}

export const command = defineKind({
  inputs,
  outputs: {
    /** What the last command run (create or update) printed on its standard output. */
    stdout: z.string(),
    /** What it printed on its standard error (kept only when it succeeded: a failure's is in the error). */
    stderr: z.string(),
  },
  replaceOn: ["namespace", "triggers", "filesystem"],
  inPlace: ["create", "update", "delete", "environment"],
  // Without an update line, a new create line or environment is a new Command.
  alsoReplace: (olds: Props, news: Props) => (news.update ? [] : (["create", "environment"] as const).filter((k) => !same(olds[k], news[k]))),
  namespaces: (i) => [i.namespace],
  // A delete line must run: not skipped when its namespace goes in the same destroy.
  goesWithNamespace: (i) => !i.delete,
  title: (i) => `command \`${i.create.join(" ")}\` in ${i.namespace}`,
  id: (i) => i.owner,
  makes: [],
  provides: () => [],
  // Its namespace and what lives there (links, addresses: exec lines configure them), and the files its lines name.
  needs: (i): Need[] => [
    { kind: "namespace", ns: i.namespace },
    { kind: "inside", ns: i.namespace },
    ...pathsIn([...i.create, ...(i.update ?? []), ...Object.values(i.environment ?? {})]).map((path) => ({ kind: "file" as const, path })),
  ],
  remark: "unmarked",

  async create(c, i) {
    if (!(await netns.exists(c.x, i.namespace))) throw new Error(noNamespace(`command ${i.create[0]}`, i.namespace));
    return runLine(c, i, i.create, "create");
  },

  async read(_c, props) {
    return { stdout: props.stdout ?? "", stderr: props.stderr ?? "" };
  },

  async update(c, olds, news) {
    const ran = !same(olds.create, news.create) || !same(olds.environment, news.environment);
    if (!ran || !news.update) return { stdout: olds.stdout ?? "", stderr: olds.stderr ?? "" };
    return runLine(c, news, news.update, "update");
  },

  async delete(c, props) {
    if (props.delete) await runLine(c, props, props.delete, "delete");
  },
});
