/**
 * Command: argument arrays run in a node's network namespace at create, update and delete, as
 * pulumi-command's local.Command runs them on a machine. `create` runs when the resource is made;
 * a change to `create` or `environment` runs `update` when given (in place), else replaces the
 * Command (its `delete`, then the new `create`); a change to `triggers` always replaces it. Its
 * stdout, stderr and exit code are outputs. A command that exits non-zero fails the step, its
 * output quoted; with `check: false` it is recorded instead (`exitCode`), as containerlab records a
 * failing exec line and goes on. Run with `ip netns exec` (so the node's /etc/netns hosts file is
 * its /etc/hosts), the environment a small base (PATH, HOME, LANG) plus `environment` plus the
 * owner's marker (NETNS_LAB_OWNER=<owner>#exec: a daemon a line starts, `iperf3 -s -D`, is found by
 * it and swept with the stack; `#exec`: never taken for a Process's own); never
 * through a shell unless the argv is one. Its output goes to files, not pipes, and the step ends
 * when the command exits: a child it leaves running (`srv &`) holding its stdout does not hold it.
 *
 * With `host: true` its lines run in the machine's root namespace instead (the sandbox's, for a
 * user who is not root: containerlab's stage commands with `target: host`); its namespace still
 * orders it, and what its lines left running (by the marker) is ended when it is deleted.
 *
 * What it made is the command's own business: refresh has nothing to read back (it keeps the
 * outputs), and nothing is adopted. containerlab's `exec` lines become Commands.
 */
import { z } from "zod";
import { baseEnv } from "../kernel/env";
import * as netns from "../kernel/netns";
import * as nodefs from "../kernel/nodefs";
import { argument, environment, nsname } from "./fields";
import { Ctx, defineKind, InputsOf, noNamespace, Props, same } from "./kind";
import { Need, pathsIn } from "../needs";
import * as proc from "../kernel/proc";

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
  /** false: a non-zero exit is recorded (`exitCode`, its output in `stdout`/`stderr`), not an error (default true). */
  check: z.boolean().optional(),
  /**
   * true: run once its namespace is there, without waiting for what else lives in it (its links,
   * addresses), so what must come before them can depend on it (containerlab's create-links stage).
   * Default false: after everything the program puts in the namespace.
   */
  early: z.boolean().optional(),
  /**
   * true: run in this machine's root namespace (the sandbox's, for a user who is not root), not in
   * `namespace`, which still orders it (it runs once that is there) and owns it; processes its lines
   * leave running there are ended when it is deleted (containerlab's `target: host`).
   */
  host: z.boolean().optional(),
};
type I = InputsOf<typeof inputs>;


/**
 * The line run with its output in files (made by mktemp, removed after), printed once it has exited,
 * then its exit status on a last line of stderr: a child it leaves running with the files open holds
 * nothing (through pipes, the step would wait for every holder of them to end). stdin /dev/null.
 */
const WRAP = 'o=$(mktemp) && e=$(mktemp) || exit 125; "$@" <"/dev/null" >"$o" 2>"$e"; s=$?; cat "$o"; cat "$e" >&2; rm -f "$o" "$e"; printf "\\n%s %s" "$0" "$s" >&2';
const STATUS = "netns-lab-exit-status";

/** Runs one line in the namespace; its stdout, stderr and exit status, or (checked) an error quoting its output. */
async function runLine(c: Ctx, i: I, line: string[], phase: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const env = Object.entries({ ...baseEnv(), ...(i.environment ?? {}), [proc.MARKER_ENV]: `${i.owner}#exec` }).map(([k, v]) => `${k}=${v}`);
  let stderr = "";
  // env -i: exactly that environment, not the provider's. A failure's message quotes its output.
  const enter = i.host ? [] : i.filesystem ? nodefs.enterNode(i.namespace, { uts: await nodefs.hasUts(c.x, i.namespace) }) : ["ip", "netns", "exec", i.namespace];
  const [file, ...args] = [...enter, "env", "-i", ...env, "sh", "-c", WRAP, STATUS, ...line];
  const doing = `${phase} command \`${line.join(" ")}\` ${i.host ? `on ${c.x.where} (root namespace; for ${i.namespace})` : `in ${i.namespace}`}`;
  const stdout = await c.x.run(file, args, { doing, onStderr: (t) => (stderr = t) });
  const at = stderr.lastIndexOf(`\n${STATUS} `);
  if (at < 0) throw new Error(`${doing}: its exit status was not reported (stderr: ${stderr.trim() || "empty"})`);
  const exitCode = Number(stderr.slice(at + STATUS.length + 2));
  stderr = stderr.slice(0, at).replace(/\n$/, ""); // its final newline, as stdout's is
  if (exitCode !== 0 && i.check !== false) {
    const out = (stderr || stdout).trim();
    throw new Error(`${doing} failed: ${out || `exit code ${exitCode}`} (exit code ${exitCode})`);
  }
  return { stdout, stderr, exitCode };
}

export const command = defineKind({
  inputs,
  outputs: {
    /** What the last command run (create or update) printed on its standard output. */
    stdout: z.string(),
    /** What it printed on its standard error (kept only when it succeeded: a failure's is in the error). */
    stderr: z.string(),
    /** Its exit status (non-zero only with `check: false`; 0 in the state of a Command made before it was recorded). */
    exitCode: z.number(),
  },
  replaceOn: ["namespace", "triggers", "filesystem", "host"],
  refine: (i) => (i.host && i.filesystem ? [{ property: "filesystem", reason: "a command on the host (host: true) runs in this machine's filesystem: it has no node's to run in" }] : []),
  inPlace: ["create", "update", "delete", "environment", "check", "early"],
  // Without an update line, a new create line or environment is a new Command.
  alsoReplace: (olds: Props, news: Props) => (news.update ? [] : (["create", "environment"] as const).filter((k) => !same(olds[k], news[k]))),
  namespaces: (i) => [i.namespace],
  // A delete line must run: not skipped when its namespace goes in the same destroy.
  // On the host, what its lines started is not in the namespace: its delete ends it.
  goesWithNamespace: (i) => !i.delete && !i.host,
  title: (i) => `command \`${i.create.join(" ")}\` ${i.host ? "on the host, for" : "in"} ${i.namespace}`,
  id: (i) => i.owner,
  makes: [],
  provides: () => [],
  // Its namespace and what lives there (links, addresses: exec lines configure them; not when early), and the files its lines name.
  needs: (i): Need[] => [
    { kind: "namespace", ns: i.namespace },
    ...(i.early || i.host ? [] : [{ kind: "inside" as const, ns: i.namespace }]),
    ...pathsIn([...i.create, ...(i.update ?? []), ...Object.values(i.environment ?? {})]).map((path) => ({ kind: "file" as const, path })),
  ],
  remark: "unmarked",

  async create(c, i) {
    if (!(await netns.exists(c.x, i.namespace))) throw new Error(noNamespace(`command ${i.create[0]}`, i.namespace));
    return runLine(c, i, i.create, "create");
  },

  async read(_c, props) {
    return { stdout: props.stdout ?? "", stderr: props.stderr ?? "", exitCode: props.exitCode ?? 0 };
  },

  async update(c, olds, news) {
    const ran = !same(olds.create, news.create) || !same(olds.environment, news.environment);
    if (!ran || !news.update) return { stdout: olds.stdout ?? "", stderr: olds.stderr ?? "", exitCode: olds.exitCode ?? 0 };
    return runLine(c, news, news.update, "update");
  },

  async delete(c, props) {
    if (props.delete) await runLine(c, props, props.delete, "delete");
    if (props.host) {
      // What its lines left running on the host (a daemon): found by its marker, ended.
      const marker = `${props.owner}#exec`;
      const left = await proc.owned(c.x, marker);
      if (left.length) await proc.stop(c.x, left[0].pid, left[0].startTime, marker, 2000);
    }
  },
});
