// A user's own lab program, outside this repository, with its own Pulumi.yaml, importing netns-lab
// by package name or from its source: up, preview (no changes), refresh, destroy, checked in the
// kernel after each step. This is also the smallest proof that the engine we build works.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cleanupAfterAll, openStack, previewSteps, REPO } from "../support/engine";
import { userProject } from "../support/project";
import { namespaces, sh, uniquePrefix } from "../support/names";

jest.setTimeout(300_000);

/** A project as a user would have it: netns-lab imported by package name or from its source. */
function userLab(importFrom: string): string {
  return userProject({
    "Pulumi.yaml": "name: my-lab\nruntime: nodejs\nmain: index.ts\n",
    "package.json": JSON.stringify({ name: "my-lab", private: true, dependencies: { "netns-lab": `file:${REPO}` } }),
    "index.ts": [
      `import * as pulumi from "@pulumi/pulumi";`,
      `import { NetNamespace } from ${JSON.stringify(importFrom)};`,
      `const ns = new NetNamespace("lab", { name: new pulumi.Config().require("ns") });`,
      `export const name = ns.name;`,
    ].join("\n"),
  });
}

describe.each([
  ["by package name", "netns-lab"],
  ["from its source", path.join(REPO, "provider")],
])("a user's lab importing netns-lab %s", (_how, importFrom) => {
  const prefix = uniquePrefix();
  const ns = `${prefix}lab`;
  const lab = cleanupAfterAll(prefix);
  const dir = userLab(importFrom);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("up, preview, refresh, destroy", async () => {
    const t = lab.track(await openStack(dir, "dev", { ns }));
    const up = await t.stack.up();
    expect(up.outputs.name.value).toBe(ns);
    expect(namespaces()).toContain(ns);
    // The resource carries this project's type token and ownership marker.
    const state = await t.stack.exportStack();
    const res = state.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::lab"));
    expect(res.type).toBe("pulumi-nodejs:dynamic/netns-lab:NetNamespace");
    expect(JSON.parse(sh("ip", ["-j", "-n", ns, "link", "show", "lo"]))[0].ifalias).toBe("netns-lab:my-lab/dev/lab");
    // The stored provider is one line loading netns-lab by name: no path of this machine.
    expect(res.inputs.__provider).toBe(`exports.handler=()=>require("netns-lab/dist/provider/runtime").kind("NetNamespace")`);
    // (The stack resource's own trace names the SDK's files, which this test links from the checkout.)
    expect(JSON.stringify(state.deployment.resources.filter((r: { custom: boolean }) => r.custom))).not.toContain(REPO);

    expect(Object.keys((await previewSteps(t.stack)).byOp)).toEqual(["same"]);
    const refresh = await t.stack.refresh();
    expect(refresh.summary.resourceChanges).toEqual({ same: 2 });

    // The package's command-line tool, as `npx netns-lab` finds it in a user's project.
    const help = spawnSync("npx", ["--no-install", "netns-lab", "--help"], { cwd: dir, encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Commands:\n\s+graph/);

    await t.stack.destroy();
    expect(namespaces()).not.toContain(ns);
  });
});
