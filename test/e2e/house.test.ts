// The house (issue 20, items 12 and 13): bin/pulumi leaves a user's projects to the user's own Pulumi
// home, and the repository holds no scratch stacks and gets none from the tests.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/engine";
import { userProject } from "../support/project";

jest.setTimeout(120_000);

test("#20.13: bin/pulumi keeps a user's workspace files in their own Pulumi home, not in the checkout", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-userhome-"));
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-state-"));
  const project = `house-${process.pid}`;
  const dir = userProject({ "Pulumi.yaml": `name: ${project}\nruntime: nodejs\n`, "index.ts": "export {};\n" }, { nodeModules: false });
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, PULUMI_BACKEND_URL: `file://${state}` };
    delete env.PULUMI_HOME;
    execFileSync(path.join(REPO, "bin", "pulumi"), ["stack", "init", "dev"], { cwd: dir, env, stdio: "pipe" });
    const mine = fs.readdirSync(path.join(home, ".pulumi", "workspaces"));
    expect(mine.some((f) => f.startsWith(`${project}-`))).toBe(true);
    const checkout = path.join(REPO, ".pulumi-home", "workspaces");
    expect(fs.existsSync(checkout) ? fs.readdirSync(checkout).filter((f) => f.startsWith(`${project}-`)) : []).toEqual([]);
    // The project directory holds only what the user put there (and the stack's settings, none here: no config).
    expect(fs.readdirSync(dir).sort()).toEqual(["Pulumi.yaml", "index.ts"]);
  } finally {
    for (const d of [home, state, dir]) fs.rmSync(d, { recursive: true, force: true });
  }
});

test("#20.12: no scratch stack settings in the repository; the fabric stack is the small default the README names", () => {
  const stacks = execFileSync("git", ["ls-files", "Pulumi.*.yaml"], { cwd: REPO, encoding: "utf8" }).split("\n").filter(Boolean).sort();
  // One per lab of stacks/index.ts, nothing else (tests write theirs into their own directory: labsDir).
  expect(stacks).toEqual(["Pulumi.chain.yaml", "Pulumi.curo-nat.yaml", "Pulumi.curo.yaml", "Pulumi.fabric.yaml", "Pulumi.ospf.yaml", "Pulumi.split.yaml"]);
  expect(fs.readFileSync(path.join(REPO, "Pulumi.fabric.yaml"), "utf8")).toMatch(/netns-lab:fabric: tiny/);
  expect(fs.readFileSync(path.join(REPO, "README.md"), "utf8")).toMatch(/`tiny` \(2x2x2, 10 namespaces, default\)/);
});
