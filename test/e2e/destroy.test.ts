// bin/pulumi's destroy writes the state once, at the end (PULUMI_SKIP_CHECKPOINTS). Safe when it
// is killed midway: its state still lists what it deleted, so bin/pulumi marks the stack before
// and refreshes a marked stack before its next up — which then makes again what is gone, and the lab
// works; a destroy run again after a killed one leaves nothing. And ten destroys in a row of a
// lab brought up again each time never fail.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { labsDir, REPO } from "../support/engine";
import { namespaces, pings, removeNamespaces, uniquePrefix } from "../support/names";

jest.setTimeout(600_000);

const prefix = uniquePrefix();
const stack = `destroy-${prefix.slice(0, -1)}`;
const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-destroy-"));
const env = { ...process.env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_HOME: path.join(state, "home"), PULUMI_CONFIG_PASSPHRASE: "" };
delete (env as Record<string, string | undefined>).NETNS_LAB_FAST;
const pulumi = (...a: string[]) => {
  const r = spawnSync(path.join(REPO, "bin", "pulumi"), [...a, "--stack", stack], { env, cwd: labsDir(), encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`pulumi ${a.join(" ")} failed:\n${r.stdout.split("\n").filter((l) => /error|fail/i.test(l)).slice(0, 8).join("\n")}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
};
const ours = () => namespaces().filter((n) => n.startsWith(prefix));
const mark = () => path.join(state, ".netns-lab-destroying", `netns-lab--${stack}`);

afterAll(() => {
  try {
    pulumi("destroy", "--yes", "--skip-preview");
  } catch {
    /* removed below */
  }
  removeNamespaces(prefix);
  fs.rmSync(state, { recursive: true, force: true });
  fs.rmSync(path.join(labsDir(), `Pulumi.${stack}.yaml`), { force: true });
});

test("a destroy killed midway: the next up refreshes first and converges (the lab pings); destroy again leaves nothing", async () => {
  pulumi("stack", "init");
  for (const [k, v] of Object.entries({ "netns-lab:lab": "chain", "netns-lab:routers": "20", "netns-lab:prefix": prefix })) pulumi("config", "set", k, v);
  pulumi("up", "--yes", "--skip-preview");
  expect(ours()).toHaveLength(22);
  const from = `${prefix}h1`;
  expect(pings(from, "10.0.20.2")).toBe(true);

  const child = spawn(path.join(REPO, "bin", "pulumi"), ["destroy", "--yes", "--skip-preview", "--stack", stack], { env, cwd: labsDir(), detached: true, stdio: "ignore" });
  const exited = new Promise((r) => child.on("exit", r));
  // Killed once the first namespaces are gone (what lives in them went with them).
  for (let i = 0; i < 600 && ours().length > 18; i++) await new Promise((r) => setTimeout(r, 20));
  process.kill(-child.pid!, "SIGKILL");
  await exited;
  const left = ours().length;
  expect(left).toBeLessThan(22);
  expect(fs.existsSync(mark())).toBe(true);

  pulumi("cancel", "--yes"); // the killed run's lock, as after any killed run (README: recovery)
  const up = pulumi("up", "--yes", "--skip-preview");
  expect(up.stderr).toMatch(/the last destroy of stack \S+ did not finish; refreshing it first/);
  expect(fs.existsSync(mark())).toBe(false);
  expect(ours()).toHaveLength(22);
  expect(pings(from, "10.0.20.2")).toBe(true);
  pulumi("preview", "--expect-no-changes");

  // Killed again, then destroyed again: nothing left.
  const again = spawn(path.join(REPO, "bin", "pulumi"), ["destroy", "--yes", "--skip-preview", "--stack", stack], { env, cwd: labsDir(), detached: true, stdio: "ignore" });
  const done = new Promise((r) => again.on("exit", r));
  for (let i = 0; i < 600 && ours().length > 18; i++) await new Promise((r) => setTimeout(r, 20));
  process.kill(-again.pid!, "SIGKILL");
  await done;
  pulumi("cancel", "--yes");
  pulumi("destroy", "--yes", "--skip-preview");
  expect(ours()).toEqual([]);
  expect(fs.existsSync(mark())).toBe(false);
  // The state is empty: a destroy finished writes it.
  expect(JSON.parse(pulumi("stack", "export").stdout).deployment.resources ?? []).toEqual([]);
});
