/**
 * The real Pulumi engine for end-to-end tests: the CLI built by engine/build.sh, driven through the
 * Automation API on a throw-away local file backend.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { removeNamespaces } from "./names";
import { userProject } from "./project";

export const REPO = path.resolve(__dirname, "..", "..");

/**
 * The checkout's labs as a Pulumi project of the test run's own, outside the repository, as a user
 * has one: the same Pulumi.yaml, a copy of stacks/, netns-lab and its dependencies linked into
 * node_modules (test/support/project.ts). So the stack settings tests write (Pulumi.<stack>.yaml)
 * land here, never in the repository, and the state's source positions are the project's own.
 * One per jest process, removed by the global teardown.
 */
export function labsDir(): string {
  const dir = path.join(os.tmpdir(), `netns-lab-labs-${process.pid}`);
  if (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
    const files: Record<string, string> = { "Pulumi.yaml": fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8") };
    for (const f of fs.readdirSync(path.join(REPO, "stacks"))) files[`stacks/${f}`] = fs.readFileSync(path.join(REPO, "stacks", f), "utf8");
    // The checkout's compiler options, without its source paths (netns-lab comes from node_modules here).
    const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(REPO, "tsconfig.json"), "utf8"));
    for (const k of ["paths", "rootDir", "outDir", "declaration", "types"]) delete compilerOptions[k];
    files["tsconfig.json"] = JSON.stringify({ compilerOptions, include: ["stacks/**/*.ts"] }, null, 2);
    const made = userProject(files);
    // The simulated machines' keys (sim/machines.sh writes them in the checkout's .sim/).
    fs.symlinkSync(path.join(REPO, ".sim"), path.join(made, ".sim"));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(made, dir);
  }
  return dir;
}

let root: string | undefined;
/** The engine's root (bin/pulumi inside), built on first use and cached by engine/build.sh. */
export function engineRoot(): string {
  if (!fs.existsSync(path.join(REPO, "dist", "provider", "runtime.js"))) {
    throw new Error("dist/ is missing: run `make build` (make test does it for you)");
  }
  root ??= process.env.NETNS_LAB_ENGINE_ROOT ??
    execFileSync(path.join(REPO, "engine", "build.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  return root;
}

export interface TestStack {
  stack: Stack;
  /** The same stack (same backend and settings) from its project moved to `workDir`: sets `stack`. */
  reopen(workDir: string): Promise<Stack>;
  /** Removes the stack (after destroying what is left) and its backend and settings. */
  dispose(): Promise<void>;
}

/** A stack of the Pulumi project in `workDir` with its own backend directory. */
export async function openStack(workDir: string, stackName: string, config: Record<string, string>): Promise<TestStack> {
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-state-"));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-home-"));
  const pulumiCommand = await PulumiCommand.get({ root: engineRoot() });
  const envVars = {
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_HOME: home,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
  };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir }, { pulumiCommand, envVars });
  for (const [k, v] of Object.entries(config)) await stack.setConfig(k, { value: v });
  let disposed = false;
  const t: TestStack = {
    stack,
    async reopen(moved: string) {
      workDir = moved;
      t.stack = await LocalWorkspace.selectStack({ stackName, workDir }, { pulumiCommand, envVars });
      return t.stack;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      try {
        await t.stack.destroy({ onOutput: () => undefined });
        await t.stack.workspace.removeStack(stackName);
      } finally {
        fs.rmSync(path.join(workDir, `Pulumi.${stackName}.yaml`), { force: true });
        fs.rmSync(backend, { recursive: true, force: true });
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
  };
  return t;
}

/** A preview's steps for lab resources, by operation ({ same: [...], update: ["link"] }), and the engine's counts. */
export async function previewSteps(
  stack: Stack,
): Promise<{ counts: Record<string, number>; byOp: Record<string, string[]>; diffs: Record<string, string[]>; inputs: Record<string, { old: Record<string, any>; new: Record<string, any> }> }> {
  const byOp: Record<string, string[]> = {};
  const diffs: Record<string, string[]> = {};
  const inputs: Record<string, { old: Record<string, any>; new: Record<string, any> }> = {};
  const r = await stack.preview({
    onEvent: (e) => {
      const m = e.resourcePreEvent?.metadata;
      // The stack itself and the default provider (whose inputs are the stack's config) are not lab resources.
      if (!m || m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) return;
      const name = m.urn.split("::").pop()!;
      (byOp[m.op] ??= []).push(name);
      // The dynamic-provider host reports no per-key diffs: compare the inputs themselves.
      if (m.op === "update") {
        const [o, n] = [m.old?.inputs ?? {}, m.new?.inputs ?? {}];
        diffs[name] = [...new Set([...Object.keys(o), ...Object.keys(n)])].filter((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k])).sort();
        inputs[name] = { old: o, new: n };
      }
    },
  });
  return { counts: r.changeSummary as Record<string, number>, byOp, diffs, inputs };
}

/**
 * Cleanup for a describe block: after all its tests, every stack it opened is destroyed and removed,
 * then every namespace with one of its prefixes is deleted — also when a test failed midway.
 * Use: const lab = cleanupAfterAll(prefix); const t = lab.track(await openStack(...)).
 */
export function cleanupAfterAll(...prefixes: string[]): { track(t: TestStack): TestStack } {
  const opened: TestStack[] = [];
  afterAll(async () => {
    try {
      for (const t of opened) await t.dispose();
    } finally {
      prefixes.forEach(removeNamespaces);
    }
  });
  return { track: (t) => (opened.push(t), t) };
}
