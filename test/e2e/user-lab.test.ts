// A user's own lab program, outside this repository, with its own Pulumi.yaml, importing netns-lab
// by package name or from its source: up, preview (no changes), refresh, destroy, checked in the
// kernel after each step. This is also the smallest proof that the engine we build works.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanupAfterAll, openStack, previewSteps, REPO } from "../support/engine";
import { namespaces, sh, uniquePrefix } from "../support/names";

jest.setTimeout(300_000);

/** A project directory as a user would have it: node_modules holding netns-lab and its dependencies. */
function userProject(importFrom: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-user-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: my-lab\nruntime: nodejs\nmain: index.ts\n");
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "my-lab", private: true, dependencies: { "netns-lab": `file:${REPO}` } }));
  fs.writeFileSync(
    path.join(dir, "index.ts"),
    [
      `import * as pulumi from "@pulumi/pulumi";`,
      `import { NetNamespace } from ${JSON.stringify(importFrom)};`,
      `const ns = new NetNamespace("lab", { name: new pulumi.Config().require("ns") });`,
      `export const name = ns.name;`,
    ].join("\n"),
  );
  // What `npm install` would give: netns-lab linked, its dependencies beside it.
  const nm = path.join(dir, "node_modules");
  fs.mkdirSync(nm);
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (!entry.startsWith(".")) fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(nm, entry));
  }
  fs.symlinkSync(REPO, path.join(nm, "netns-lab"));
  // npm links a package's bin entries here; package.json declares bin/netns-lab.
  fs.mkdirSync(path.join(nm, ".bin"));
  fs.symlinkSync(path.join("..", "netns-lab", "bin", "netns-lab"), path.join(nm, ".bin", "netns-lab"));
  return dir;
}

describe.each([
  ["by package name", "netns-lab"],
  ["from its source", path.join(REPO, "provider")],
])("a user's lab importing netns-lab %s", (_how, importFrom) => {
  const prefix = uniquePrefix();
  const ns = `${prefix}lab`;
  const lab = cleanupAfterAll(prefix);
  const dir = userProject(importFrom);
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
    // The serialized provider is a thin shim, not the implementation.
    expect(res.inputs.__provider.length).toBeLessThan(8000);

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
