/**
 * `netns-lab/testing`: a lab inside a project's own test suite (jest, node's test runner, any).
 *
 * ```ts
 * import { testLab } from "netns-lab/testing";
 * import { Lab } from "netns-lab";
 *
 * test("h1 reaches h2 through r1", async () => {
 *   const t = await testLab(({ prefix }) => {
 *     const lab = new Lab("lab", { namespacePrefix: prefix });
 *     const [h1, r1, h2] = [lab.host("h1"), lab.router("r1"), lab.host("h2")];
 *     lab.link(h1, r1, { addresses: ["10.0.1.2/24", "10.0.1.1/24"] });
 *     lab.link(r1, h2, { addresses: ["10.0.2.1/24", "10.0.2.2/24"] });
 *     h1.routes([{ destination: "default", via: "10.0.1.1" }]);
 *     h2.routes([{ destination: "default", via: "10.0.2.1" }]);
 *     return lab;
 *   });
 *   try {
 *     expect((await t.exec("h1", ["ping", "-c", "1", "10.0.2.2"])).code).toBe(0);
 *   } finally {
 *     await t.destroy();
 *   }
 * });
 * ```
 *
 * The program runs inline (in the test's own process) through the Automation API and the real
 * engine (built from this package's `engine/` on first use, cached per user), on a local backend of
 * its own in a temporary directory. Each lab gets a unique prefix (so tests in parallel workers never
 * collide) and a stack named after it. `destroy` leaves nothing: it destroys the stack, then sweeps
 * whatever carries the stack's marker (what a killed run made and no state lists), then removes the
 * backend. A lab still up when the process gets SIGINT or SIGTERM is destroyed before it exits; one
 * a killed process left (SIGKILL) is swept by the next `testLab` of the same project.
 *
 * One lab at a time per process: the SDK runs one inline program at a time (jest runs test files in
 * parallel workers, each a process of its own, which is fine). Needs root, as every lab does.
 */
import { execFileSync } from "child_process";
import { collect, inNode } from "../cli/there";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { Lab } from "./components";
import type { LabDescription } from "./components/description";
import { running, startTime } from "./kernel/sandbox";
import { resetRegistry } from "./registry";
import { sweep } from "./sweep";

/** The package's root (…/node_modules/netns-lab, or a checkout). */
const ROOT = path.resolve(__dirname, "..", "..");

/** Options of `testLab`. */
export interface TestLabOptions {
  /** The project name in every marker (default `netns-lab-testing`). Leftovers of killed runs of it are swept. */
  project?: string;
  /** The namespace prefix, also the stack's name without its dash (default: unique, e.g. `t0x4821a-`). At most 16 characters. */
  prefix?: string;
  /** Stack configuration, `key: value` (keys without a namespace get the project's). */
  config?: Record<string, string>;
  /** The engine's root (its bin/pulumi). Default: built from this package's engine/ (engine/build.sh). */
  engineRoot?: string;
  /** The engine's output, line by line (default: dropped). */
  onOutput?: (line: string) => void;
}

/** What a lab program gets: the prefix to put before every namespace name. */
export interface TestLabContext {
  /** Put it before every namespace name (a Lab's `namespacePrefix`): unique to this lab. */
  prefix: string;
}

/** A lab program: declares resources; may return a Lab (its description is exported) or outputs. */
export type TestLabProgram = (ctx: TestLabContext) => Lab | Record<string, unknown> | void | Promise<Lab | Record<string, unknown> | void>;

/** What a command run in a node gave. */
export interface ExecResult {
  /** Its exit code (128 + the signal's number when a signal ended it). */
  code: number;
  /** Its standard output. */
  stdout: string;
  /** Its standard error. */
  stderr: string;
}

/** A lab that is up (`testLab` resolved): its outputs, a way into its nodes, and its end. */
export interface TestLab {
  /** The stack's outputs, as plain values. */
  outputs: Record<string, unknown>;
  /** The lab's description when the program returned a Lab (nodes, their namespaces, links). */
  lab?: LabDescription;
  /** The prefix of its namespaces (also its stack's name, without the dash). */
  prefix: string;
  /** Its stack (Automation API), for what else a test wants: preview, refresh, outputs… */
  stack: Stack;
  /**
   * Runs an argument array in a node (a node's name in the lab, else a namespace name): never a
   * shell. Resolves with its exit code and output, whatever the code. `input` goes to its
   * standard input (what it does not read is dropped); it is killed after `timeoutMs` (60 s).
   */
  exec(node: string, argv: string[], opts?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** Destroys the lab and leaves nothing (idempotent). */
  destroy(): Promise<void>;
}

const debug = (m: string) => process.env.NETNS_LAB_TESTING_DEBUG && process.stderr.write(`netns-lab/testing: ${m}\n`);
let counter = 0;
const open = new Set<TestLab>();
let handlersInstalled = false;
/** The signal being handled, if any: a lab whose up ends meanwhile is not handed to the test. */
let interruptedBy: string | undefined;

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // `on`, not `once`, until the labs are gone: a listener removed before it runs would leave
    // signal-exit's (execa's, while the engine runs) alone, and it re-raises the signal at once.
    let cleaning = false;
    const handler = () => {
      if (cleaning) return void process.stderr.write(`netns-lab/testing: ${signal} again: still destroying the lab, a moment\n`);
      cleaning = true;
      interruptedBy = signal;
      const all = [...open];
      debug(`${signal}: destroying ${all.length} lab(s)`);
      Promise.allSettled(all.map((t) => t.destroy())).finally(() => {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, handler);
  }
}

/** A unique prefix: `t` + a base-36 mix of the pid, the time and a counter; 8 characters and a dash. */
function uniquePrefix(): string {
  const n = (process.pid * 7919 + Date.now() + ++counter * 104729) % 36 ** 7;
  return `t${n.toString(36).padStart(7, "0")}-`;
}

let engine: string | undefined;
function engineRoot(given?: string): string {
  engine ??= given ?? process.env.NETNS_LAB_ENGINE_ROOT ?? execFileSync(path.join(ROOT, "engine", "build.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  return engine;
}

/**
 * A directory for the stack's workspace from which the engine's dynamic-provider process finds this
 * package and @pulumi/pulumi as the program does: under the nearest node_modules that holds them.
 */
function workDirFor(prefix: string): string {
  const nm = path.basename(path.dirname(ROOT)) === "node_modules" ? path.dirname(ROOT) : path.join(ROOT, "node_modules");
  const dir = path.join(nm, ".cache", "netns-lab-testing", prefix.replace(/-$/, ""));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Brings a lab up (see the module's comment); resolves once `up` has finished. */
export async function testLab(program: TestLabProgram, opts: TestLabOptions = {}): Promise<TestLab> {
  const project = opts.project ?? "netns-lab-testing";
  const prefix = opts.prefix ?? uniquePrefix();
  if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(prefix)) throw new Error(`testLab: prefix "${prefix}" must be 1-16 of a-z, 0-9 and - (namespace names must stay short)`);
  const stackName = prefix.replace(/-$/, "");
  installHandlers();
  await sweepKilled(project);

  const home = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-testing-"));
  const state = path.join(home, "state");
  fs.mkdirSync(state);
  const workDir = workDirFor(prefix);
  const pulumiCommand = await PulumiCommand.get({ root: engineRoot(opts.engineRoot), skipVersionCheck: true });
  const envVars = {
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_HOME: path.join(home, "home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  // Who is running, for the sweep of a run killed before its destroy (see sweepKilled).
  fs.writeFileSync(path.join(home, "run.json"), JSON.stringify({ project, stack: stackName, pid: process.pid, start: startTime(process.pid) }));

  let description: LabDescription | undefined;
  const inline = async () => {
    resetRegistry(); // the previous inline program's declarations are not this one's
    const out = await program({ prefix });
    if (out instanceof Lab) {
      description = out.describe();
      return { description };
    }
    return out ?? {};
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, projectName: project, program: inline },
    { workDir, pulumiCommand, envVars, projectSettings: { name: project, runtime: "nodejs" } },
  );
  const onOutput = (s: string) => opts.onOutput?.(s.replace(/\n$/, ""));
  let destroyed = false;
  let upping: Promise<unknown> | undefined;
  const t: TestLab = {
    outputs: {},
    prefix,
    stack,
    async exec(node, argv, o = {}) {
      // As netns-lab exec runs it: in the node's namespace, on its machine, in the user's sandbox when not root.
      const lab = t.lab ?? description;
      const n = lab?.nodes.find((x) => x.name === node) ?? ({ name: node, namespace: node, interfaces: [] } as unknown as LabDescription["nodes"][number]);
      const [file, args] = inNode(n, argv);
      return collect(file, args, o.input, o.timeoutMs);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      open.delete(t);
      await upping?.catch(() => undefined); // a signal during up: its engine ends (or finishes) first
      debug(`destroying ${stackName}`);
      try {
        await stack.destroy({ onOutput });
        await stack.workspace.removeStack(stackName);
      } finally {
        debug(`sweeping ${stackName}`);
        await sweep(project, stackName).catch(() => undefined);
        fs.rmSync(home, { recursive: true, force: true });
        fs.rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
  open.add(t);
  try {
    for (const [k, v] of Object.entries(opts.config ?? {})) await stack.setConfig(k, { value: v });
    const running = stack.up({ onOutput });
    upping = running;
    const up = await running;
    // Interrupted meanwhile: the lab is being destroyed and the process ends after; not handed on.
    if (interruptedBy) await new Promise<never>(() => undefined);
    t.outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
    t.lab = description ?? (t.outputs.description as LabDescription | undefined);
    return t;
  } catch (e) {
    await t.destroy().catch(() => undefined);
    throw e;
  }
}

/**
 * The runs of this project whose process is gone without a destroy (SIGKILL, a crash): their
 * stacks' objects are swept by marker and their temporary directories removed.
 */
async function sweepKilled(project: string): Promise<void> {
  for (const d of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("netns-lab-testing-"))) {
    const dir = path.join(os.tmpdir(), d);
    let run: { project: string; stack: string; pid: number; start?: string };
    try {
      run = JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8"));
    } catch {
      continue;
    }
    if (run.project !== project || running(run.pid, run.start)) continue;
    await sweep(run.project, run.stack).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
