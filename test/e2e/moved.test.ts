// A checkout moved (or reinstalled) elsewhere still refreshes and destroys its stacks: the state holds
// nothing of the machine's paths (the provider line loads netns-lab by package name, resolved from the
// program's directory). A copy of this checkout as a user would have it — package.json, Pulumi.yaml,
// the stacks, the compiled dist/, node_modules with the relative netns-lab link `make npm` makes —
// brings up the curo lab, is renamed, and from the new place refreshes (no change), previews (no
// change) and destroys: nothing left.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanupAfterAll, openStack, previewSteps, REPO } from "../support/engine";
import { namespaces, pings, uniquePrefix } from "../support/names";

jest.setTimeout(300_000);

const etcNetns = (): string[] => (fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns") : []);

function copyOfCheckout(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-checkout-"));
  for (const f of ["package.json", "Pulumi.yaml", "tsconfig.json"]) fs.copyFileSync(path.join(REPO, f), path.join(dir, f));
  for (const d of ["stacks", "dist"]) fs.cpSync(path.join(REPO, d), path.join(dir, d), { recursive: true });
  fs.mkdirSync(path.join(dir, "node_modules"));
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (!entry.startsWith(".") && entry !== "netns-lab") fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(dir, "node_modules", entry));
  }
  fs.symlinkSync("..", path.join(dir, "node_modules", "netns-lab"));
  return dir;
}

describe("a checkout moved after up", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  const first = copyOfCheckout();
  const moved = `${first}-moved`;
  afterAll(() => [first, moved].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test("up in one place; refresh, preview and destroy from the other; nothing left", async () => {
    const t = lab.track(await openStack(first, "moved", { "netns-lab:lab": "curo", "netns-lab:mode": "kernel", "netns-lab:prefix": prefix }));
    await t.stack.up();
    expect(pings(`${prefix}host1`, "192.168.2.2")).toBe(true);
    expect(JSON.stringify(await t.stack.exportStack())).not.toContain(first);

    fs.renameSync(first, moved);
    const stack = await t.reopen(moved);
    expect((await stack.refresh()).summary.resourceChanges).toEqual({ same: expect.any(Number) });
    expect(Object.keys((await previewSteps(stack)).byOp)).toEqual(["same"]);
    await stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(etcNetns().filter((n) => n.startsWith(prefix))).toEqual([]);
  });
});
