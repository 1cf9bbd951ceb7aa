// The corpus of user-style programs (test/programs/): raw resources with plain-string names,
// declared in any order, no dependsOn, no config, each copied outside the repository as a user's
// project. Each converges in one `up` and one `destroy` at the engine's default parallelism and at
// 1 (in make test: the line; all of them, and at 2 too, in make test-programs), pings, and previews no change after up; destroy repeated ten times in a row never fails;
// a real mistake fails at once, naming it. Nothing is left behind.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cleanupAfterAll, openStack, REPO, TestStack } from "../support/engine";
import { userProject } from "../support/project";
import { namespaces, pings, uniquePrefix } from "../support/names";

jest.setTimeout(900_000);

/** A program of the corpus as a user's project outside the repository. */
function project(name: string): string {
  const src = path.join(REPO, "test", "programs", name);
  return userProject(Object.fromEntries(fs.readdirSync(src).map((f) => [f, fs.readFileSync(path.join(src, f), "utf8")])));
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const dirOf = (name: string) => {
  const d = project(name);
  dirs.push(d);
  return d;
};

const ours = (stack: string) => namespaces().filter((n) => n.startsWith(stack));
const quiet = { onOutput: () => undefined };

/** up, ping, preview --expect-no-changes, destroy: nothing left. */
async function cycle(t: TestStack, name: string, parallel: number | undefined, expectNamespaces: number) {
  const up = await t.stack.up({ ...quiet, parallel });
  expect(ours(name)).toHaveLength(expectNamespaces);
  const [from, to] = up.outputs.ping?.value ?? [];
  if (from) expect(pings(from, to)).toBe(true);
  await t.stack.preview({ ...quiet, parallel, expectNoChanges: true });
  await t.stack.destroy({ ...quiet, parallel });
  expect(ours(name)).toEqual([]);
}

describe.each([
  ["line", 4],
  ["lan-nat", 5],
  ["files", 1],
  ["awaits", 2],
])("program %s", (program, nsCount) => {
  const dir = dirOf(program);
  // At 2 too in the full run (make test-programs).
  // At 1 for the line in make test (its cables and routes), for all and at 2 too in the full run (make test-programs).
  const levels: Array<[number | undefined]> = process.env.NETNS_LAB_FULL ? [[undefined], [1], [2]] : program === "line" ? [[undefined], [1]] : [[undefined]];
  describe.each(levels)("at parallelism %p", (parallel) => {
    const prefix = uniquePrefix();
    const stackName = prefix.slice(0, -1);
    const lab = cleanupAfterAll(prefix);
    test("up, ping, no change, destroy", async () => {
      const t = lab.track(await openStack(dir, stackName, {}));
      await cycle(t, stackName, parallel, nsCount as number);
      if (program === "files") expect(fs.existsSync(`/run/netns-lab-tests/${stackName}`)).toBe(false);
    });
  });
});

describe("a chain of 20 routers, one Route per route, shuffled (above the engine's parallelism)", () => {
  const dir = dirOf("chain");
  const prefix = uniquePrefix();
  const stackName = prefix.slice(0, -1);
  const lab = cleanupAfterAll(prefix);
  // At 2 and 1 too in the full run (make test-programs): ~2 min more.
  const levels = process.env.NETNS_LAB_FULL ? [undefined, 2, 1] : [undefined];
  test(`converges in one up and one destroy at parallelism ${levels.map((l) => l ?? "default").join(", ")}`, async () => {
    const t = lab.track(await openStack(dir, stackName, {}));
    for (const parallel of levels) await cycle(t, stackName, parallel, 22);
  });
});

describe("destroy, ten times in a row", () => {
  const dir = dirOf("line");
  const prefix = uniquePrefix();
  const stackName = prefix.slice(0, -1);
  const lab = cleanupAfterAll(prefix);
  test("ten up/destroy cycles of the backwards line, none failing", async () => {
    const t = lab.track(await openStack(dir, stackName, {}));
    for (let n = 0; n < 10; n++) {
      await t.stack.up(quiet);
      expect(ours(stackName)).toHaveLength(4);
      await t.stack.destroy(quiet);
      expect(ours(stackName)).toEqual([]);
    }
  });
});

describe("mistakes fail at once and clearly", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);

  test("a gateway no declared address reaches: up fails on that route, naming the gateway, within about a second of the good part", async () => {
    const name = `${prefix}gw`;
    const t = lab.track(await openStack(dirOf("gateway-missing"), name, {}));
    // The good part alone first, for the time it takes.
    await t.stack.setConfig("mistake", { value: "no" });
    let t0 = Date.now();
    await t.stack.up(quiet);
    const good = Date.now() - t0;
    await t.stack.destroy(quiet);
    await t.stack.removeConfig("mistake");
    t0 = Date.now();
    const err = await t.stack.up({ ...quiet, continueOnError: true }).then(() => undefined, (e: Error) => e);
    const took = Date.now() - t0;
    expect(String(err)).toMatch(/gateway 10\.204\.9\.1 is not reachable from namespace "[^"]+-a": no address in its subnet; declare an IpAddress whose subnet holds 10\.204\.9\.1/);
    // The good part went in all the same (the engine went on past the error).
    const state = await t.stack.exportStack();
    const names = state.deployment.resources.map((r: { urn: string }) => r.urn.split("::").pop());
    expect(names).toEqual(expect.arrayContaining(["right", "a-addr", "b-addr", "ab"]));
    expect(names).not.toContain("wrong");
    // Nothing waited for the gateway: about the good part's time (a wait would add 5 s).
    expect(took).toBeLessThan(good + 2500);
    await t.stack.destroy(quiet);
    expect(ours(name)).toEqual([]);
  });

  test("#35: a new user's mistakes with the components: a misspelled option and an unreachable gateway refused at preview (nothing made by up --yes), overlapping subnets warned", async () => {
    const name = `${prefix}m`;
    const dir = dirOf("mistakes");
    const t = lab.track(await openStack(dir, name, {}));
    for (const [mistake, message] of [
      ["option", /lab\.link\(r1, h2\): unknown option "adresses" \(did you mean "addresses"\?\)/],
      ["gateway", /node h1: the route to default goes via 10\.67\.9\.1, which is in no subnet of the node's addresses \(10\.67\.1\.2\/24\)/],
    ] as const) {
      await t.stack.setConfig("mistake", { value: mistake });
      const preview = await t.stack.preview(quiet).then(() => undefined, (e: Error) => e);
      expect(String(preview)).toMatch(message);
      // `up --yes` as users run it (its preview first): refused there, nothing made.
      const up = spawnSync(path.join(REPO, "bin", "pulumi"), ["up", "--yes", "--stack", name], { cwd: dir, encoding: "utf8", env: { ...process.env, ...t.stack.workspace.envVars } });
      expect([up.status, up.stdout + up.stderr]).toEqual([1, expect.stringMatching(message)]);
      expect(ours(name)).toEqual([]);
    }
    await t.stack.setConfig("mistake", { value: "overlap" });
    const warnings: string[] = [];
    await t.stack.preview({ ...quiet, onEvent: (e: any) => e.diagnosticEvent?.severity === "warning" && warnings.push(e.diagnosticEvent.message) });
    expect(warnings.join("\n")).toMatch(/node r1: 10\.67\.1\.1\/24 on r1-h1 and 10\.67\.1\.5\/24 on r1-h2 are in overlapping subnets/);
    await t.stack.removeConfig("mistake");
    await t.stack.up(quiet);
    expect(pings(`${name}-h1`, "10.67.2.2")).toBe(true);
    await t.stack.destroy(quiet);
    expect(ours(name)).toEqual([]);
  });

  test("a cable declared before an await and its namespaces after it: the program fails, naming both", async () => {
    const t = lab.track(await openStack(dirOf("awaits-late"), `${prefix}late`, {}));
    const err = await t.stack.up(quiet).then(() => undefined, (e: Error) => e);
    expect(String(err)).toMatch(/NetNamespace "[^"]+-a" makes network namespace "[^"]+-a", which VethLink "ab" needs, but it was declared after an await/);
    await t.stack.destroy(quiet);
    expect(ours(`${prefix}late`)).toEqual([]);
  });
});

describe("the graph the engine gets", () => {
  const dir = dirOf("line");
  const prefix = uniquePrefix();
  const stackName = prefix.slice(0, -1);
  const lab = cleanupAfterAll(prefix);
  test("preview's plan and the state after up hold the same dependencies, from what each resource names", async () => {
    const t = lab.track(await openStack(dir, stackName, {}));
    const planFile = path.join(dir, "plan.json");
    await t.stack.preview({ ...quiet, plan: planFile });
    const plan = JSON.parse(fs.readFileSync(planFile, "utf8"));
    const short = (urns: string[] = []): string[] => urns.map((u) => u.split("::").pop()!).sort();
    const planned: Record<string, string[]> = {};
    for (const [urn, rp] of Object.entries<any>(plan.resourcePlans ?? {})) planned[urn.split("::").pop()!] = short(rp.goal?.dependencies);
    const ns = (n: string) => `${stackName}-${n}`;
    const expected: Record<string, string[]> = {
      "a-default": [ns("a"), "a-1"].sort(), // its namespace and the address whose subnet holds its gateway
      "a-1": [ns("a"), "ab"].sort(), // its namespace and the cable that makes its device
      ab: [ns("a"), ns("b")].sort(),
      "b-fwd": [ns("b")],
      [ns("a")]: [],
    };
    for (const [name, deps] of Object.entries(expected)) expect([name, planned[name]]).toEqual([name, deps]);
    await t.stack.up(quiet);
    const state = await t.stack.exportStack();
    for (const [name, deps] of Object.entries(expected)) {
      const r = state.deployment.resources.find((x: { urn: string }) => x.urn.endsWith(`::${name}`));
      expect([name, short(r.dependencies)]).toEqual([name, deps]);
    }
    await t.stack.destroy(quiet);
    expect(ours(stackName)).toEqual([]);
  });
});

describe("the CLI on a program of raw resources (no Lab, no description)", () => {
  const dir = dirOf("lan-nat");
  const prefix = uniquePrefix();
  const stackName = prefix.slice(0, -1);
  const lab = cleanupAfterAll(prefix);
  let env: NodeJS.ProcessEnv;
  const cli = (command: string, ...args: string[]) => {
    const r = spawnSync("node", [path.join(REPO, "dist", "cli", "netns-lab.js"), command, "--stack", stackName, "--cwd", dir, ...args], { env, encoding: "utf8" });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  test("graph, verify, status, exec and logs read the lab from the stack's resources", async () => {
    const t = lab.track(await openStack(dir, stackName, {}));
    env = { ...process.env, ...(t.stack.workspace as unknown as { envVars: Record<string, string> }).envVars };
    expect(cli("status").err).toMatch(/is not up \(it holds no netns-lab resource\)/);
    await t.stack.up(quiet);
    const ns = (n: string) => `${stackName}-${n}`;
    const g = cli("graph");
    expect([g.code, g.err]).toEqual([0, ""]);
    const id = (n: string) => ns(n).replace(/-/g, "_");
    expect(g.out).toContain(`${id("r")}(("${ns("r")}<br/>router<br/>NAT 10.50.0.0/24 → out"))`);
    expect(g.out).toContain(`${id("sw")}{{"${ns("sw")}<br/>switch"}}`);
    expect(g.out).toContain(`${id("r")} ---|"out 10.60.0.1/24<br/>10.60.0.0/24<br/>in 10.60.0.2/24"| ${id("o")}`);
    expect(g.out).toContain(`${id("a")} ---|"lan0 10.50.0.2/24<br/>10.50.0.0/24<br/>port-a -"| ${id("sw")}`);
    // o has no route back to the LAN (only NAT answers it): verify says so, per pair.
    const v = cli("verify");
    expect(v.out).toContain(ns("a"));
    expect(v.code).toBe(1);
    const s = cli("status");
    expect([s.code, s.err]).toEqual([0, ""]);
    expect(s.out).toContain(ns("r"));
    const e = cli("exec", ns("a"), "--", "ping", "-c", "1", "-W", "2", "10.60.0.2");
    expect(e.code).toBe(0);
    expect(cli("logs", ns("a")).err).toMatch(/runs no process/);
    await t.stack.destroy(quiet);
  });
});
