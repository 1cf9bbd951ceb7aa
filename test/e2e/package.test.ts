// Issue 24: netns-lab as a package. `npm pack` gives a tarball of exactly what a user needs; a fresh
// project outside the checkout installs it (no link to the checkout), `netns-lab init` writes the
// template (netns-lab/testing's jest example included), `npm test` brings a lab up through
// testLab, pings, destroys; a Pulumi program on the installed package goes up on a backend in the
// project, is verified by the installed CLI, holds no path in its state, and is destroyed. A
// process using testLab that gets SIGINT (during up, and once up) leaves nothing. `make docs` builds
// the API reference with no warning and a page for every export.
import { spawn, spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/engine";
import { namespaces, removeNamespaces, uniquePrefix } from "../support/names";
import { markedProcesses } from "../support/kernel-snapshot";

jest.setTimeout(900_000);

const work = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-package-"));
const proj = path.join(work, "mylab");
const prefixes: string[] = [];
afterAll(() => {
  prefixes.forEach(removeNamespaces);
  fs.rmSync(work, { recursive: true, force: true });
});

function run(file: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(file, args, { cwd: proj, encoding: "utf8", maxBuffer: 1 << 26, ...opts, env: { ...process.env, PATH: `${path.join(proj, "node_modules", ".bin")}:${process.env.PATH}`, ...(opts.env ?? {}) } });
  if (r.status !== 0) throw new Error(`${file} ${args.join(" ")} failed (${r.status}):\n${String(r.stdout).slice(-3000)}\n${String(r.stderr).slice(-3000)}`);
  return `${r.stdout}${r.stderr}`;
}
const npm = (...a: string[]) => run("npm", [...a, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"]);

let tarball = "";

test("npm pack: the library, its types, the CLI, the engine's sources, the template, netns-lab/testing; nothing else", () => {
  const out = JSON.parse(spawnSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: REPO, encoding: "utf8" }).stdout);
  tarball = path.join(work, out[0].filename);
  const files: string[] = out[0].files.map((f: { path: string }) => f.path);
  for (const f of ["package.json", "README.md", "bin/netns-lab", "bin/pulumi", "dist/provider/index.js", "dist/provider/index.d.ts", "dist/provider/testing.js", "dist/provider/testing.d.ts", "dist/provider/runtime.js", "dist/cli/netns-lab.js", "engine/build.sh", "netlab/install.sh", "netlab/bin/docker", "engine/go.mod", "engine/go.sum", "engine/pulumi-resource-pulumi-nodejs", "engine/watch-parent.js", "engine/cmd/pulumi-language-nodejs/main.go", "engine/cmd/pulumi-language-nodejs/lazy-closure.js", "templates/lab/lab.test.ts", "testing/package.json", "ui/index.html", "ui/app.js", "ui/ui.css", "dist/cli/ui.js"]) {
    expect(files).toContain(f);
  }
  expect(files.filter((f) => /^(test|stacks|provider|cli|bench|sim|docs)\/|\.map$|^Pulumi\.|node_modules|\.sim/.test(f))).toEqual([]);
  expect(files.filter((f) => f.startsWith("dist/") && !/^dist\/(provider|cli)\//.test(f))).toEqual([]);
});

test("a fresh project installs the tarball; netns-lab init; npm test (testLab: up, ping, destroy) passes and leaves nothing", () => {
  fs.mkdirSync(proj);
  fs.writeFileSync(path.join(proj, "package.json"), JSON.stringify({ name: "mylab", private: true }));
  npm("install", tarball);
  // Installed, not linked: a directory of its own, no path back to the checkout.
  expect(fs.lstatSync(path.join(proj, "node_modules", "netns-lab")).isSymbolicLink()).toBe(false);
  expect(fs.readFileSync(path.join(proj, "package-lock.json"), "utf8")).not.toContain(REPO);
  const init = run("netns-lab", ["init"]);
  expect(init).toMatch(/wrote Pulumi\.yaml, index\.ts, lab\.ts, lab\.test\.ts/);
  const pkg = JSON.parse(fs.readFileSync(path.join(proj, "package.json"), "utf8"));
  expect(pkg.dependencies["netns-lab"]).toMatch(/^file:.*netns-lab-0\.1\.0\.tgz$/); // as npm recorded it: kept
  expect(pkg.scripts).toMatchObject({ test: "tsc --noEmit && jest", typecheck: "tsc --noEmit" });
  npm("install");
  const testLabs = () => namespaces().filter((n) => /^t[0-9a-z]{7}-/.test(n)); // testLab's own prefixes
  const before = testLabs();
  const test = run("npm", ["test"]);
  expect(test).toMatch(/Tests:\s+1 passed, 1 total/);
  expect(testLabs()).toEqual(before);
  expect(markedProcesses().filter((p) => p.includes("netns-lab-testing/"))).toEqual([]);
  // A misspelled option: the type check says so (TS2561, the closest name), before anything runs.
  const lab = path.join(proj, "lab.ts");
  const good = fs.readFileSync(lab, "utf8");
  fs.writeFileSync(lab, good.replace("{ addresses: [", "{ adresses: ["));
  const check = spawnSync("npm", ["run", "--silent", "typecheck"], { cwd: proj, encoding: "utf8" });
  fs.writeFileSync(lab, good);
  expect([check.status, check.stdout]).toEqual([2, expect.stringMatching(/error TS2561: .*'adresses'.*Did you mean to write 'addresses'\?/)]);
  // Refuses to write over a project.
  const again = spawnSync(path.join(proj, "node_modules", ".bin", "netns-lab"), ["init"], { cwd: proj, encoding: "utf8" });
  expect([again.status, again.stderr]).toEqual([2, expect.stringContaining("already there")]);
});

test("a Pulumi program on the installed package: up (state beside the project), verify with the installed CLI, no path in the state, destroy", () => {
  const env = { PULUMI_CONFIG_PASSPHRASE: "", PULUMI_HOME: path.join(work, "home") } as NodeJS.ProcessEnv;
  delete env.PULUMI_BACKEND_URL;
  const e = { env: { ...env, PULUMI_BACKEND_URL: "" } };
  const p = uniquePrefix();
  prefixes.push(p);
  const pulumi = (...a: string[]) => run("netns-lab-pulumi", [...a, "--stack", "dev"], e);
  // An empty PULUMI_BACKEND_URL counts as unset for bin/pulumi's default.
  run("netns-lab-pulumi", ["stack", "init", "dev"], { env: { ...env, PULUMI_BACKEND_URL: "" } });
  pulumi("config", "set", "prefix", p);
  pulumi("up", "--yes", "--skip-preview");
  expect(fs.existsSync(path.join(proj, ".pulumi-state"))).toBe(true);
  expect(namespaces().filter((n) => n.startsWith(p)).sort()).toEqual([`${p}h1`, `${p}h2`, `${p}r1`]);
  expect(run("netns-lab", ["verify", "--stack", "dev"], e)).toMatch(/all as expected/);
  const state = pulumi("stack", "export");
  expect(state).not.toContain(work);
  expect(state).not.toContain(REPO);
  pulumi("destroy", "--yes", "--skip-preview");
  expect(namespaces().filter((n) => n.startsWith(p))).toEqual([]);
});

/** A process using testLab, sent SIGINT when `when` says so; resolves with what it printed. */
async function interrupted(when: "during up" | "once up"): Promise<{ prefix: string; out: string }> {
  const given = uniquePrefix();
  prefixes.push(given);
  const script = path.join(proj, `interrupt-${when.replace(" ", "-")}.js`);
  fs.writeFileSync(
    script,
    `const { testLab } = require("netns-lab/testing");
const { Lab } = require("netns-lab");
testLab(({ prefix }) => {
  console.log("PREFIX " + prefix);
  const lab = new Lab("lab", { namespacePrefix: prefix });
  const nodes = [...Array(8).keys()].map((i) => lab.router("r" + i));
  for (let i = 1; i < nodes.length; i++) lab.link(nodes[i - 1], nodes[i], { addresses: ["10.9." + i + ".1/24", "10.9." + i + ".2/24"] });
  return lab;
}, { prefix: process.argv[2] }).then(() => { console.log("UP"); setInterval(() => undefined, 1000); });
`,
  );
  const child = spawn("node", [script, given], { cwd: proj, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NETNS_LAB_TESTING_DEBUG: process.env.DEBUG_PKG ?? "" } });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise((r) => child.on("exit", (code, signal) => r((out += `EXIT ${code} ${signal}\n`))));
  for (let i = 0; i < 3000; i++) {
    const prefix = /PREFIX (\S+)/.exec(out)?.[1];
    if (when === "once up" ? out.includes("UP") : prefix && namespaces().some((n) => n.startsWith(prefix))) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const prefix = /PREFIX (\S+)/.exec(out)?.[1] ?? "";
  child.kill("SIGINT");
  await exited;
  return { prefix, out };
}

test.each([["during up"], ["once up"]] as const)("SIGINT %s: the lab is destroyed before the process ends", async (when) => {
  const { prefix, out } = await interrupted(when);
  if (process.env.DEBUG_PKG) console.log(out);
  expect(prefix).toMatch(/^nlt[0-9a-z]+-$/);
  if (when === "once up") expect(out).toContain("UP");
  else expect(out).not.toContain("UP"); // an up that ends after the signal is not handed to the program
  expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  expect(markedProcesses().filter((p) => p.includes(prefix.replace(/-$/, "")))).toEqual([]);
  // Its temporary backend and workspace are gone too.
  expect(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("netns-lab-testing-") && fs.existsSync(path.join(os.tmpdir(), d, "run.json")) && fs.readFileSync(path.join(os.tmpdir(), d, "run.json"), "utf8").includes(prefix.replace(/-$/, "")))).toEqual([]);
});

test("make docs: the API reference builds with no warning (TypeDoc treats one as an error), a page for every export of netns-lab and netns-lab/testing", () => {
  const out = path.join(work, "api");
  const r = spawnSync(path.join(REPO, "node_modules", ".bin", "typedoc"), ["--out", out], { cwd: REPO, encoding: "utf8" });
  expect([r.status, `${r.stdout}${r.stderr}`.split("\n").filter((l) => /warning|error/i.test(l))]).toEqual([0, []]);
  const pages = new Set(["classes", "functions", "variables", "interfaces", "types"].flatMap((d) => (fs.existsSync(path.join(out, d)) ? fs.readdirSync(path.join(out, d)) : [])));
  const missing = (module: string, dir: string) =>
    Object.keys(require(path.join(REPO, "dist", "provider", module))).filter((k) => ![...pages].some((p) => p === `${dir}.${k}.html`));
  expect(missing("index.js", "index")).toEqual([]);
  expect(missing("testing.js", "testing")).toEqual([]);
  // Each kind's inputs are an interface whose fields carry their docs (one kind as the sample).
  expect(fs.readFileSync(path.join(out, "interfaces", "index.VethLinkArgs.html"), "utf8")).toMatch(/mtu/i);
});
