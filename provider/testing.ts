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
 * Labs of one process come up one at a time: the SDK runs one inline program at a time and the
 * registry of declarations is the process's, so a second `testLab` (`test.concurrent`) waits for the
 * first one's `up` to end, then runs (jest's parallel workers are processes of their own: no wait).
 * Do not run the stack's own `preview`/`refresh` (which run the program again) during another
 * lab's `up` in the same process.
 *
 * What a killed test process leaves (jest-worker's SIGTERM, then SIGKILL 500 ms later; a crash) is
 * swept: by a warden process started with the first lab, which outlives the test process just long
 * enough to sweep its labs when it ends however it ends; by the next `testLab` of any project on the
 * machine; and by `sweepLeftovers()`, for a jest `globalTeardown` (the template ships one). Works as
 * root, and for any other user in the user's sandbox.
 */
import { execFileSync } from "child_process";
import { collect, inNode } from "../cli/there";
import { validateCommand } from "../cli/validate";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { Lab } from "./components";
import type { LabDescription } from "./components/description";
import { startTime } from "./kernel/sandbox";
import { resetRegistry } from "./registry";
import { sweep } from "./sweep";
import { nodeModulesOf, reservePrefix, Run, startWarden, sweepLeftovers, workDirFor } from "./testing-runs";
import { writePrivate } from "./private";

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

/** What a lab's netlab tests gave (`TestLab.validate`). */
export interface ValidateResult {
  /** Every test passed (netlab's exit code 0). */
  passed: boolean;
  /** netlab validate's exit code. */
  code: number;
  /** Its report (standard output and standard error). */
  output: string;
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
  /**
   * A lab made from a netlab topology: its `validate:` tests, run by netlab itself (as `netns-lab
   * validate`). `passed`: netlab's exit code was 0 (1: a test failed; 3: warnings only); `output`
   * is netlab's report. `args`: netlab validate's own options (`["--test", "adj"]`). Rejects for a
   * lab not made by netlab().
   */
  validate(args?: string[], opts?: { timeoutMs?: number }): Promise<ValidateResult>;
  /** Destroys the lab and leaves nothing (idempotent). */
  destroy(): Promise<void>;
}

const debug = (m: string) => process.env.NETNS_LAB_TESTING_DEBUG && process.stderr.write(`netns-lab/testing: ${m}\n`);
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

let engine: string | undefined;
function engineRoot(given?: string): string {
  engine ??= given ?? process.env.NETNS_LAB_ENGINE_ROOT ?? execFileSync(path.join(ROOT, "engine", "build.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  return engine;
}

/** One lab's `up` at a time in this process (see the module's comment): the tail of the queue. */
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(f: () => Promise<T>): Promise<T> {
  const run = queue.then(f, f);
  queue = run.catch(() => undefined);
  return run;
}

/** Brings a lab up (see the module's comment); resolves once `up` has finished. */
export async function testLab(program: TestLabProgram, opts: TestLabOptions = {}): Promise<TestLab> {
  const project = opts.project ?? "netns-lab-testing";
  if (opts.prefix !== undefined && !/^[a-z0-9][a-z0-9-]{0,15}$/.test(opts.prefix)) throw new Error(`testLab: prefix "${opts.prefix}" must be 1-16 of a-z, 0-9 and - (namespace names must stay short)`);
  installHandlers();
  await sweepLeftovers();
  const { prefix, workDir } = opts.prefix !== undefined ? { prefix: opts.prefix, workDir: workDirFor(nodeModulesOf(ROOT), opts.prefix)! } : reservePrefix(nodeModulesOf(ROOT));
  const stackName = prefix.replace(/-$/, "");

  // mkdtemp: mode 0700, this user's own; the sweep of killed runs trusts no other (see sweepLeftovers).
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-testing-"));
  const state = path.join(home, "state");
  fs.mkdirSync(state);
  // The engine's workspace is the run's own, but the plugins of other providers the program uses
  // (@pulumi/random, @pulumi/command…) are the user's, installed in their PULUMI_HOME: the run sees
  // those (plugin acquisition is off, so it would find none otherwise). Read only: nothing is installed there.
  fs.mkdirSync(path.join(home, "home"));
  const userPlugins = path.join(process.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi"), "plugins");
  if (fs.existsSync(userPlugins)) fs.symlinkSync(userPlugins, path.join(home, "home", "plugins"));
  const pulumiCommand = await PulumiCommand.get({ root: engineRoot(opts.engineRoot), skipVersionCheck: true });
  const envVars = {
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_HOME: path.join(home, "home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  // Who is running, for the sweep of a run killed before its destroy (see sweepLeftovers).
  writePrivate(path.join(home, "run.json"), JSON.stringify({ project, stack: stackName, pid: process.pid, start: startTime(process.pid), workDir } satisfies Run));
  startWarden();

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
    async validate(args = [], o = {}) {
      const lab = t.lab ?? description;
      if (!lab) throw new Error("validate: the program returned no Lab (return the netlab() lab)");
      const c = validateCommand(lab, args);
      const r = await collect(c.file, c.args, undefined, o.timeoutMs ?? 600_000, { cwd: c.cwd, env: c.env });
      return { passed: r.code === 0, code: r.code, output: r.stdout + r.stderr };
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
    const running = exclusive(() => stack.up({ onOutput }));
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

export { sweepLeftovers };
