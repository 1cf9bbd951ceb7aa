// Defects II (#30) through the real engine: item 8 (`pulumi stack rename` of a lab stack, then up,
// refresh, preview --expect-no-changes, destroy), item 11 (a testLab process SIGKILLed: its warden
// sweeps the lab), item 12 (two testLabs at once in one process) and item 15 (a lab that uses another
// provider's plugin under testLab). Each failed on 8a027ae: the rename panicked ("Urn is: ''"), the
// killed run's namespaces stayed, the second lab's registry reset broke the first, the plugin was
// not found ("no resource plugin 'pulumi-resource-nltoken' found in the workspace or on your $PATH").
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/engine";
import { userProject } from "../support/project";
import { markedPids, namespaces, removeNamespaces, uniquePrefix } from "../support/names";

jest.setTimeout(600_000);

describe("#30 item 8: stack rename of a lab with processes and NAT", () => {
  const prefix = uniquePrefix();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-rename-state-"));
  const dir = userProject({
    "Pulumi.yaml": "name: renamed-lab\nruntime: nodejs\nmain: index.ts\n",
    "package.json": JSON.stringify({ name: "renamed-lab", private: true }),
    // Raw resources, plain strings, no dependsOn, in no particular order.
    "index.ts": [
      `import { IpAddress, Nat, NetNamespace, Process, VethLink, IpForwarding } from "netns-lab";`,
      `new Process("sleeper", { namespace: "${prefix}h", command: ["sleep", "600"] });`,
      `new Nat("masq", { namespace: "${prefix}r", source: "10.81.0.0/24", outInterface: "up0" });`,
      `new IpAddress("h-addr", { namespace: "${prefix}h", device: "eth0", address: "10.81.0.2/24" });`,
      `new IpAddress("r-addr", { namespace: "${prefix}r", device: "in0", address: "10.81.0.1/24" });`,
      `new VethLink("cable", { name: "eth0", namespace: "${prefix}h", peerName: "in0", peerNamespace: "${prefix}r" });`,
      `new VethLink("uplink", { name: "up0", namespace: "${prefix}r", peerName: "down0", peerNamespace: "${prefix}u" });`,
      `new IpForwarding("fwd", { namespace: "${prefix}r", ipv4: true });`,
      `for (const n of ["h", "r", "u"]) new NetNamespace(n, { name: "${prefix}" + n });`,
    ].join("\n"),
  });
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE: "" };
  const pulumi = (...args: string[]) => spawnSync(path.join(REPO, "bin/pulumi"), [...args, "--cwd", dir], { encoding: "utf8", env, timeout: 300_000 });
  const ok = (...args: string[]) => {
    const r = pulumi(...args);
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  };
  afterAll(() => {
    for (const s of ["after", "before"]) pulumi("destroy", "--yes", "--skip-preview", "--stack", s);
    removeNamespaces(prefix);
    for (const p of markedPids("renamed-lab/")) spawnSync("kill", ["-KILL", String(p)]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(state, { recursive: true, force: true });
  });

  test("rename, then up, refresh, preview --expect-no-changes, destroy: nothing left", () => {
    ok("stack", "init", "before");
    ok("up", "--yes", "--skip-preview", "--stack", "before");
    expect(namespaces().filter((n) => n.startsWith(prefix)).sort()).toEqual([`${prefix}h`, `${prefix}r`, `${prefix}u`]);
    ok("stack", "rename", "after", "--stack", "before");
    expect(ok("stack", "ls")).toMatch(/^after\b/m);
    ok("up", "--yes", "--skip-preview", "--stack", "after");
    ok("refresh", "--yes", "--skip-preview", "--stack", "after");
    ok("preview", "--expect-no-changes", "--stack", "after");
    expect(spawnSync("ip", ["netns", "exec", `${prefix}r`, "nft", "list", "ruleset"], { encoding: "utf8" }).stdout).toMatch(/masquerade/);
    // Markers name the stack: the up after the rename re-marks what it made under the old name (the
    // process is started again under the new one; the README says so).
    expect(markedPids("renamed-lab/after/sleeper").length).toBe(1);
    expect(markedPids("renamed-lab/before/")).toEqual([]);
    ok("destroy", "--yes", "--skip-preview", "--stack", "after");
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(markedPids("renamed-lab/")).toEqual([]);
  });
});

/** A test program of a user's project, run by node: testLab from the package, as a jest test has it. */
function testingProject(code: string): string {
  return userProject({ "package.json": JSON.stringify({ name: "t", private: true }), "run.js": code });
}

test("#30 item 11: a process with a testLab up is SIGKILLed (as jest-worker kills): its warden sweeps the lab, nothing is left", async () => {
  const dir = testingProject(`
    const { testLab } = require("netns-lab/testing");
    const { Lab } = require("netns-lab");
    testLab(({ prefix }) => { const lab = new Lab("lab", { namespacePrefix: prefix }); lab.link(lab.host("a"), lab.host("b"), { addresses: ["10.82.0.1/24", "10.82.0.2/24"] }); return lab; })
      .then((t) => { console.log("UP " + t.prefix); setInterval(() => undefined, 1000); }, (e) => { console.error(e); process.exit(1); });
  `);
  try {
    const child = spawn("node", ["run.js"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
    const prefix: string = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /UP (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before the lab was up`)));
    });
    expect(namespaces().filter((n) => n.startsWith(prefix)).sort()).toEqual([`${prefix}a`, `${prefix}b`]);
    child.kill("SIGKILL");
    // The warden sweeps once its pipe closes: wait for that (bounded), not for a time.
    for (let i = 0; i < 600 && namespaces().some((n) => n.startsWith(prefix)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    // Another run's directory may be coming or going meanwhile (no run.json yet, or removed): not this run's.
    const record = (d: string) => {
      try {
        return fs.readFileSync(path.join(os.tmpdir(), d, "run.json"), "utf8");
      } catch {
        return "";
      }
    };
    expect(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("netns-lab-testing-")).filter((d) => record(d).includes(prefix.replace(/-$/, "")))).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("#30 item 12: two testLabs at once in one process (test.concurrent): both come up, each reaches its own hosts, both destroyed", async () => {
  const dir = testingProject(`
    const { testLab } = require("netns-lab/testing");
    const { Lab } = require("netns-lab");
    const program = (net) => ({ prefix }) => { const lab = new Lab("lab", { namespacePrefix: prefix }); lab.link(lab.host("a"), lab.host("b"), { addresses: [net + ".1/24", net + ".2/24"] }); return lab; };
    Promise.all([testLab(program("10.83.1")), testLab(program("10.83.2"))]).then(async (labs) => {
      const pings = await Promise.all(labs.map((t, i) => t.exec("a", ["ping", "-c", "1", "-W", "2", "10.83." + (i + 1) + ".2"])));
      console.log("CODES " + pings.map((p) => p.code).join(","));
      for (const t of labs) await t.destroy();
      console.log("DONE " + labs.map((t) => t.prefix).join(","));
    }, (e) => { console.error(e); process.exit(1); });
  `);
  try {
    const r = spawnSync("node", ["run.js"], { cwd: dir, encoding: "utf8", timeout: 300_000 });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.stdout).toMatch(/CODES 0,0/);
    const prefixes = /DONE (\S+)/.exec(r.stdout)![1].split(",");
    expect(namespaces().filter((n) => prefixes.some((p) => n.startsWith(p)))).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("#30 item 17: engine/build.sh waits for a build already running in its cache instead of building beside it (and removing its engine)", async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-engine-lock-"));
  // Another build holds the cache's lock (as a jest worker's would).
  const holder = spawn("flock", [path.join(cache, ".build.lock"), "sleep", "120"], { stdio: "ignore" });
  try {
    for (let i = 0; i < 100 && !fs.existsSync(path.join(cache, ".build.lock")); i++) await new Promise((r) => setTimeout(r, 20));
    const build = spawn(path.join(REPO, "engine", "build.sh"), ["--force"], { env: { ...process.env, NETNS_LAB_ENGINE_CACHE: cache }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    const said = new Promise<void>((resolve) =>
      build.stderr!.on("data", (d) => {
        err += d;
        if (/waiting for it|building the Pulumi/.test(err)) resolve();
      }),
    );
    await Promise.race([said, new Promise((r) => build.once("exit", r))]);
    build.kill("SIGKILL");
    expect(err).toMatch(/another build of the engine is running \(lock .*\.build\.lock\): waiting for it/);
    expect(err).not.toMatch(/building the Pulumi/);
    expect(fs.readdirSync(cache).filter((f) => f.startsWith(".build."))).toEqual([".build.lock"]); // no build started
  } finally {
    holder.kill("SIGKILL");
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

test("#30 item 15: a lab that also uses another provider (its plugin installed in the user's PULUMI_HOME) comes up and goes under testLab", async () => {
  // A real resource provider plugin (test/fixtures/plugin: one resource, random hex like @pulumi/random's),
  // built from the engine's own module graph (nothing fetched), installed as a user installs one.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-plugin-"));
  const mod = path.join(work, "mod");
  fs.mkdirSync(mod);
  fs.writeFileSync(path.join(mod, "go.mod"), fs.readFileSync(path.join(REPO, "engine", "go.mod"), "utf8").replace(/^module .*$/m, "module nltoken"));
  fs.copyFileSync(path.join(REPO, "engine", "go.sum"), path.join(mod, "go.sum"));
  fs.copyFileSync(path.join(REPO, "test", "fixtures", "plugin", "main.go"), path.join(mod, "main.go"));
  const goEnv = { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin`, GOFLAGS: "-mod=mod", GOPROXY: "off", CGO_ENABLED: "0" };
  const bin = path.join(work, "pulumi-resource-nltoken");
  const home = path.join(work, "pulumi-home"); // the user's PULUMI_HOME
  const dir = testingProject(`
    const pulumi = require("@pulumi/pulumi");
    const { testLab } = require("netns-lab/testing");
    const { NetNamespace } = require("netns-lab");
    testLab(({ prefix }) => {
      new NetNamespace("n", { name: prefix + "n" });
      const t = new pulumi.CustomResource("nltoken:index:Token", "token", { length: 6, result: undefined });
      return { token: t.result };
    }).then(async (t) => {
      console.log("TOKEN " + t.outputs.token + " " + t.prefix);
      await t.destroy();
      console.log("DONE");
    }, (e) => { console.error(String(e)); process.exit(1); });
  `);
  try {
    const built = spawnSync("go", ["build", "-trimpath", "-o", bin, "."], { cwd: mod, env: goEnv, encoding: "utf8", timeout: 300_000 });
    expect(built.stderr).toBe("");
    const pulumi = path.join(require("../support/engine").engineRoot(), "bin", "pulumi");
    const installed = spawnSync(pulumi, ["plugin", "install", "resource", "nltoken", "0.1.0", "--file", bin], { env: { ...process.env, PULUMI_HOME: home }, encoding: "utf8" });
    expect(installed.status).toBe(0);
    const listing = () => fs.readdirSync(path.join(home, "plugins")).sort();
    const before = listing();
    expect(before).toContain("resource-nltoken-v0.1.0");
    const r = spawnSync("node", ["run.js"], { cwd: dir, env: { ...process.env, PULUMI_HOME: home }, encoding: "utf8", timeout: 300_000 });
    expect(r.stderr).not.toMatch(/no resource plugin|Error/);
    const m = /TOKEN ([0-9a-f]+) (\S+)/.exec(r.stdout);
    expect(m?.[1]).toMatch(/^[0-9a-f]{6}$/);
    expect(r.stdout).toMatch(/DONE/);
    expect(namespaces().filter((n) => n.startsWith(m![2]))).toEqual([]);
    // The user's plugins were read, not changed.
    expect(listing()).toEqual(before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
});
