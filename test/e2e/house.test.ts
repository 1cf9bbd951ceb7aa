// The house (issue 20, items 12 and 13): bin/pulumi leaves a user's projects to the user's own Pulumi
// home, and the repository holds no scratch stacks and gets none from the tests.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/engine";
import { userProject } from "../support/project";

jest.setTimeout(120_000);

test("#20.13: bin/pulumi leaves PULUMI_HOME to the user (their ~/.pulumi), never a directory of the checkout", () => {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-state-"));
  // The program reports the Pulumi home the engine was given (programs inherit the engine's environment).
  const dir = userProject({ "Pulumi.yaml": "name: house\nruntime: nodejs\n", "index.ts": 'export const home = process.env.PULUMI_HOME ?? "unset";\n' });
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_BACKEND_URL: `file://${state}` };
    delete env.PULUMI_HOME;
    const run = (...a: string[]) => execFileSync(path.join(REPO, "bin", "pulumi"), [...a, "--stack", "dev"], { cwd: dir, env, encoding: "utf8", stdio: "pipe" });
    execFileSync(path.join(REPO, "bin", "pulumi"), ["stack", "init", "dev"], { cwd: dir, env, stdio: "pipe" });
    run("up", "--yes", "--skip-preview");
    expect(run("stack", "output", "home").trim()).toBe("unset");
    // Told otherwise, that one is used.
    const mine = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-home-"));
    execFileSync(path.join(REPO, "bin", "pulumi"), ["up", "--yes", "--skip-preview", "--stack", "dev"], { cwd: dir, env: { ...env, PULUMI_HOME: mine }, stdio: "pipe" });
    expect(run("stack", "output", "home").trim()).toBe(mine);
    fs.rmSync(mine, { recursive: true, force: true });
    run("destroy", "--yes", "--skip-preview");
  } finally {
    for (const d of [state, dir]) fs.rmSync(d, { recursive: true, force: true });
  }
});

test("#20.12: no scratch stack settings in the repository; the fabric stack is the small default the README names", () => {
  const stacks = execFileSync("git", ["ls-files", "Pulumi.*.yaml"], { cwd: REPO, encoding: "utf8" }).split("\n").filter(Boolean).sort();
  // One per lab of stacks/index.ts, nothing else (tests write theirs into their own directory: labsDir).
  expect(stacks).toEqual(["Pulumi.chain.yaml", "Pulumi.clab.yaml", "Pulumi.curo-nat.yaml", "Pulumi.curo.yaml", "Pulumi.fabric.yaml", "Pulumi.netlab.yaml", "Pulumi.ospf.yaml", "Pulumi.split.yaml"]);
  expect(fs.readFileSync(path.join(REPO, "Pulumi.fabric.yaml"), "utf8")).toMatch(/netns-lab:fabric: tiny/);
  expect(fs.readFileSync(path.join(REPO, "README.md"), "utf8")).toMatch(/`tiny` \(2x2x2, 10 namespaces, default\)/);
});
