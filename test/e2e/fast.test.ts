// Fast mode (NETNS_LAB_FAST=1 through bin/pulumi: the state written once, at the end) is safe:
// an `up` SIGKILLed midway leaves objects its state never listed, and still
//   - `destroy` right after it leaves nothing (bin/pulumi sweeps the stack's markers after it);
//   - `up` after it converges (every kind adopts its own leftovers), the lab works, destroy cleans.
// And the state-size bound: the chain of 50 routers holds no machine path and at most 1,870 bytes
// per resource (bench/README: where the bytes go; 1,750 before deletedWith and replaceWith, issue 21;
// 1,850 before each resource recorded its home, issue 30 item 6: 18 bytes on each custom resource).
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO, labsDir } from "../support/engine";
import { namespaces, pings, removeNamespaces, settledOrphans, uniquePrefix } from "../support/names";

jest.setTimeout(400_000);

const etcNetns = (prefix: string): string[] => (fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns").filter((n) => n.startsWith(prefix)) : []);

/** bin/pulumi in fast mode on a throw-away backend, for one stack of this project. */
function fastStack(stack: string, config: Record<string, string>) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-fast-"));
  const env = { ...process.env, NETNS_LAB_FAST: "1", PULUMI_BACKEND_URL: `file://${state}`, PULUMI_HOME: path.join(state, "home"), PULUMI_CONFIG_PASSPHRASE: "" };
  const pulumi = (...args: string[]) => execFileSync(path.join(REPO, "bin", "pulumi"), [...args, "--stack", stack], { env, cwd: labsDir(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
  pulumi("stack", "init");
  for (const [k, v] of Object.entries(config)) pulumi("config", "set", k, v);
  return {
    pulumi,
    /** `up`, killed with SIGKILL (its whole process group) once `made()` says enough exists. */
    async killedUp(made: () => boolean): Promise<void> {
      const child: ChildProcess = spawn(path.join(REPO, "bin", "pulumi"), ["up", "--yes", "--skip-preview", "--stack", stack], { env, cwd: labsDir(), detached: true, stdio: "ignore" });
      const exited = new Promise((r) => child.on("exit", r));
      for (let i = 0; i < 600 && !made(); i++) await new Promise((r) => setTimeout(r, 50));
      process.kill(-child.pid!, "SIGKILL");
      await exited;
      // Nothing of the killed engine lives on: its language host and dynamic-provider process end too.
      expect(await settledOrphans()).toEqual([]);
    },
    exportState: () => JSON.parse(pulumi("stack", "export")),
    dispose() {
      try {
        pulumi("destroy", "--yes", "--skip-preview");
      } catch {
        /* the afterAll's namespace cleanup still runs */
      }
      fs.rmSync(state, { recursive: true, force: true });
      fs.rmSync(path.join(labsDir(), `Pulumi.${stack}.yaml`), { force: true });
    },
  };
}

describe("fast mode", () => {
  const prefix = uniquePrefix();
  const prefix2 = uniquePrefix();
  const stacks: Array<ReturnType<typeof fastStack>> = [];
  afterAll(() => {
    stacks.forEach((s) => s.dispose());
    removeNamespaces(prefix);
    removeNamespaces(prefix2);
  });
  const ours = (p = prefix) => namespaces().filter((n) => n.startsWith(p));

  test("an up killed midway: destroy leaves nothing; an up killed midway: up converges, pings, destroy leaves nothing", async () => {
    const s = fastStack(`fast-${prefix.slice(0, -1)}`, { "netns-lab:lab": "fabric", "netns-lab:fabric": "2x2x4", "netns-lab:prefix": prefix });
    stacks.push(s);

    await s.killedUp(() => ours().length >= 6);
    expect(ours().length).toBeGreaterThanOrEqual(6);
    // The README's recovery: the killed run's lock first (as with stock Pulumi), then destroy.
    s.pulumi("cancel", "--yes");
    s.pulumi("destroy", "--yes", "--skip-preview");
    expect(ours()).toEqual([]);
    expect(etcNetns(prefix)).toEqual([]);

    await s.killedUp(() => ours().length >= 8);
    s.pulumi("cancel", "--yes");
    s.pulumi("up", "--yes", "--skip-preview");
    expect(ours()).toHaveLength(14);
    expect(pings(`${prefix}h1-1`, "172.16.2.5")).toBe(true);
    s.pulumi("destroy", "--yes", "--skip-preview");
    expect(ours()).toEqual([]);
  });

  test("the state of the chain of 50 routers: no machine path, at most 1,870 bytes per resource", async () => {
    const s = fastStack(`size-${prefix2.slice(0, -1)}`, { "netns-lab:lab": "chain", "netns-lab:routers": "50", "netns-lab:prefix": prefix2 });
    stacks.push(s);
    s.pulumi("up", "--yes", "--skip-preview");
    const resources: object[] = s.exportState().deployment.resources;
    const perResource = resources.reduce((a, r) => a + JSON.stringify(r).length, 0) / resources.length;
    expect(resources.length).toBe(413);
    expect(perResource).toBeLessThanOrEqual(1870);
    expect(JSON.stringify(resources.filter((r) => (r as { custom: boolean }).custom))).not.toContain(REPO);
    s.pulumi("destroy", "--yes", "--skip-preview");
    expect(ours(prefix2)).toEqual([]);
  });
});
