// Conformance: what a Pulumi user brings works as with stock Pulumi v3.248.0. Each row is a small
// program in its own directory outside this repository and the CLI commands a user would type,
// run through bin/pulumi (our engine build and our Node.js language host) on a throw-away backend;
// each step asserts what stock Pulumi does (its documentation, its own host's behaviour, the SDK's
// messages). `make test` runs the rows marked fast; `make test-conformance` runs them all.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { removeNamespaces, namespaces, uniquePrefix } from "../support/names";
import { REPO, userProject } from "../support/project";

jest.setTimeout(600_000);

interface Result {
  code: number | null;
  out: string;
  ms: number;
}
interface Ctx {
  dir: string;
  backend: string;
  /** Namespace prefix for this row's kernel objects. */
  p: string;
  run(args: string[], env?: Record<string, string>): Result;
}
interface Row {
  name: string;
  fast?: boolean;
  files: (p: string) => Record<string, string>;
  nodeModules?: boolean;
  test(c: Ctx): void | Promise<void>;
}

const yaml = (extra = "") => `name: conf\nruntime:\n  name: nodejs\n${extra}`;
const pkg = (extra: object = {}) => JSON.stringify({ name: "conf", private: true, main: "index.ts", ...extra });
const ts = (code: string, p = "") => ({ "Pulumi.yaml": yaml(), "package.json": pkg(), "index.ts": code.replaceAll("$P", p) });
/** Two namespaces, a and b: resources for the commands that act on some of them. */
const twoNamespaces = (p: string) =>
  ts(`import { NetNamespace } from "netns-lab";\nexport const a = new NetNamespace("a", { name: "$Pa" }).name;\nexport const b = new NetNamespace("b", { name: "$Pb" }).name;\n`, p);
const ok = (r: Result) => {
  if (r.code !== 0) throw new Error(`expected success, got exit ${r.code}:\n${r.out.slice(-3000)}`);
  return r;
};
const failed = (r: Result) => {
  if (r.code === 0) throw new Error(`expected a failure, got success:\n${r.out.slice(-3000)}`);
  return r;
};
const output = (c: Ctx, name: string, ...flags: string[]) => ok(c.run(["stack", "output", name, ...flags])).out.trim();

const rows: Row[] = [
  {
    name: "a stack with no config runs a program that reads optional config",
    fast: true,
    files: () => ts(`import * as pulumi from "@pulumi/pulumi";\nexport const x = new pulumi.Config().get("x") ?? "default";\n`),
    test(c) {
      ok(c.run(["up", "--yes"]));
      expect(output(c, "x")).toBe("default");
    },
  },
  {
    name: "config.require of a missing key fails with Pulumi's own message",
    fast: true,
    files: () => ts(`import * as pulumi from "@pulumi/pulumi";\nexport const x = new pulumi.Config().require("needed");\n`),
    test(c) {
      const r = failed(c.run(["preview"]));
      expect(r.out).toContain("Missing required configuration variable 'conf:needed'");
      // Within seconds: Node 20.20's util.inspect used to spin for ~25 s on this error's stack (preload.js).
      expect(r.ms).toBeLessThan(10_000);
      expect(r.out).toContain("please set a value using the command `pulumi config set conf:needed <value>`");
    },
  },
  {
    name: "the language host's preloads (preload.js, lazy-closure.js) come from a directory of the user's alone, never from one another user could write",
    fast: true,
    files: () => ts(`export const argv = process.execArgv;\n`),
    test(c) {
      // Node loads what is in the file: in a shared, sticky /tmp a file of another user's could be rewritten after any check.
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nlt-tmpdir-"));
      const mine = path.join(tmp, `netns-lab-node-${process.getuid!()}`);
      const required = () => {
        const argv: string[] = JSON.parse(output(c, "argv", "--json"));
        return argv.filter((_, k) => argv[k - 1] === "--require");
      };
      try {
        ok(c.run(["up", "--yes"], { TMPDIR: tmp }));
        expect(required().map((f) => path.relative(mine, f).replace(/-[0-9a-f]{64}\.js$/, ""))).toEqual(["preload", "lazy-closure"]);
        expect(fs.statSync(mine).mode & 0o777).toBe(0o700);
        // A directory of that name someone else made first (here: nobody's, open to all): not used; the program runs without them.
        fs.rmSync(mine, { recursive: true });
        fs.mkdirSync(mine);
        fs.chmodSync(mine, 0o777);
        fs.chownSync(mine, 65534, 65534);
        ok(c.run(["up", "--yes"], { TMPDIR: tmp }));
        expect(required()).toEqual([]);
        expect(fs.readdirSync(mine)).toEqual([]);
        // A link of that name, even to a directory of the user's: not followed.
        fs.rmSync(mine, { recursive: true });
        const elsewhere = path.join(tmp, "elsewhere");
        fs.mkdirSync(elsewhere, { mode: 0o700 });
        fs.symlinkSync(elsewhere, mine);
        ok(c.run(["up", "--yes"], { TMPDIR: tmp }));
        expect(required()).toEqual([]);
        expect(fs.readdirSync(elsewhere)).toEqual([]);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    },
  },
  {
    name: "config of every kind: text, number, boolean, an object set by --path",
    files: () => ts(`import * as pulumi from "@pulumi/pulumi";\nconst c = new pulumi.Config();\nexport const all = { s: c.require("s"), n: c.requireNumber("n"), b: c.requireBoolean("b"), o: c.requireObject("o") };\n`),
    test(c) {
      ok(c.run(["config", "set", "s", "text"]));
      ok(c.run(["config", "set", "n", "42"]));
      ok(c.run(["config", "set", "b", "true"]));
      ok(c.run(["config", "set", "--path", "o.inner[0]", "v"]));
      ok(c.run(["up", "--yes"]));
      expect(JSON.parse(output(c, "all", "--json"))).toEqual({ s: "text", n: 42, b: true, o: { inner: ["v"] } });
    },
  },
  {
    name: "secrets: config set --secret, requireSecret, getSecret; hidden unless --show-secrets; never plain in the state",
    fast: true,
    files: () =>
      ts(`import * as pulumi from "@pulumi/pulumi";\nconst c = new pulumi.Config();\nexport const pw = c.requireSecret("pw");\nexport const maybe = c.getSecret("absent") ?? "none";\nexport const made = pulumi.secret("made-secret-value");\n`),
    test(c) {
      ok(c.run(["config", "set", "--secret", "pw", "hunter2-s3cr3t"]));
      expect(fs.readFileSync(path.join(c.dir, "Pulumi.dev.yaml"), "utf8")).not.toContain("hunter2-s3cr3t");
      ok(c.run(["up", "--yes"]));
      expect(output(c, "pw")).toBe("[secret]");
      expect(output(c, "made")).toBe("[secret]");
      expect(output(c, "pw", "--show-secrets")).toBe("hunter2-s3cr3t");
      expect(output(c, "made", "--show-secrets")).toBe("made-secret-value");
      expect(output(c, "maybe")).toBe("none");
      const onDisk = fs.readdirSync(c.backend, { recursive: true }).map(String).filter((f) => f.endsWith(".json"));
      expect(onDisk.length).toBeGreaterThan(0);
      for (const f of onDisk) expect(fs.readFileSync(path.join(c.backend, f), "utf8")).not.toMatch(/hunter2-s3cr3t|made-secret-value/);
      expect(ok(c.run(["stack", "export"])).out).not.toContain("hunter2-s3cr3t");
    },
  },
  {
    name: "outputs of every JSON kind come back as they were: nested, null, numbers, booleans",
    fast: true,
    files: () => ts(`export const nested = { a: [1, { b: null, c: "x" }], d: { e: { f: 2.5 } } };\nexport const n = -3.25;\nexport const t = true;\nexport const f = false;\nexport const z = 0;\nexport const s = "";\n`),
    test(c) {
      ok(c.run(["up", "--yes"]));
      const all = JSON.parse(ok(c.run(["stack", "output", "--json"])).out);
      expect(all).toEqual({ nested: { a: [1, { b: null, c: "x" }], d: { e: { f: 2.5 } } }, n: -3.25, t: true, f: false, z: 0, s: "" });
    },
  },
  {
    name: "a StackReference reads another stack of the same backend",
    files: () => ts(`import * as pulumi from "@pulumi/pulumi";\nconst other = new pulumi.Config().get("other");\nexport const v = other ? new pulumi.StackReference(other).getOutput("v") : 42;\n`),
    test(c) {
      ok(c.run(["up", "--yes"]));
      ok(c.run(["stack", "init", "second"]));
      ok(c.run(["config", "set", "other", "organization/conf/dev", "--stack", "second"]));
      ok(c.run(["up", "--yes", "--stack", "second"]));
      expect(output(c, "v", "--stack", "second")).toBe("42");
    },
  },
  {
    name: "a program that throws is reported within seconds with its own message",
    fast: true,
    files: () => ts(`throw new Error("thrown on purpose by the program");\n`),
    test(c) {
      const r = failed(c.run(["up", "--yes"]));
      expect(r.out).toContain("Error: thrown on purpose by the program");
      expect(r.out).toContain("failed with an unhandled exception");
      expect(r.ms).toBeLessThan(10_000);
    },
  },
  {
    name: "an unhandled rejection is reported within seconds with its own message",
    fast: true,
    files: () => ts(`Promise.reject(new Error("rejected on purpose by the program"));\n`),
    test(c) {
      const r = failed(c.run(["preview"]));
      expect(r.out).toContain("Error: rejected on purpose by the program");
      expect(r.ms).toBeLessThan(10_000);
    },
  },
  {
    name: "a program that exits non-zero is reported with stock Pulumi's words and its exit code",
    fast: true,
    files: () => ts(`process.exit(3);\n`),
    test(c) {
      const r = failed(c.run(["preview"]));
      expect(r.out).toContain("Program exited with non-zero exit code: 3");
      expect(r.ms).toBeLessThan(10_000);
    },
  },
  {
    name: "a JavaScript program (runtime option typescript: false)",
    fast: true,
    files: () => ({
      "Pulumi.yaml": yaml("  options:\n    typescript: false\n"),
      "package.json": pkg({ main: "index.js" }),
      "index.js": `const pulumi = require("@pulumi/pulumi");\nexports.lang = "js:" + pulumi.getStack();\n`,
    }),
    test(c) {
      ok(c.run(["up", "--yes"]));
      expect(output(c, "lang")).toBe("js:dev");
    },
  },
  {
    name: 'an ES-module program ("type": "module")',
    fast: true,
    files: () => ({
      "Pulumi.yaml": yaml("  options:\n    typescript: false\n"),
      "package.json": pkg({ main: "index.js", type: "module" }),
      "index.js": `import * as pulumi from "@pulumi/pulumi";\nexport const esm = typeof require === "undefined" ? "module:" + pulumi.getProject() : "commonjs";\n`,
    }),
    test(c) {
      ok(c.run(["up", "--yes"]));
      expect(output(c, "esm")).toBe("module:conf");
    },
  },
  {
    name: "main: pointing into a subfolder",
    fast: true,
    files: () => ({
      "Pulumi.yaml": "name: conf\nruntime: nodejs\nmain: src/\n",
      "package.json": JSON.stringify({ name: "conf", private: true }),
      "src/index.ts": `import * as path from "path";\nexport const where = path.basename(__dirname);\n`,
    }),
    test(c) {
      ok(c.run(["up", "--yes"]));
      expect(output(c, "where")).toBe("src");
    },
  },
  {
    name: "runtime option nodeargs reaches node",
    files: () => ({
      "Pulumi.yaml": yaml("  options:\n    nodeargs: --max-old-space-size=300 --no-deprecation\n"),
      "package.json": pkg(),
      "index.ts": `export const argv = process.execArgv.filter((a) => !a.includes("ts-node")).join(" ");\n`,
    }),
    test(c) {
      ok(c.run(["up", "--yes"]));
      expect(output(c, "argv")).toContain("--max-old-space-size=300 --no-deprecation");
    },
  },
  {
    name: "runtime option tsconfig: a file of the project's is used; a missing one is named",
    files: () => ({
      "Pulumi.yaml": yaml("  options:\n    tsconfig: custom.tsconfig.json\n"),
      "package.json": pkg(),
      "custom.tsconfig.json": JSON.stringify({ compilerOptions: { module: "commonjs", moduleResolution: "node", target: "es2022", strict: true } }),
      "index.ts": `export const ok = "custom";\n`,
    }),
    test(c) {
      ok(c.run(["up", "--yes"]));
      expect(output(c, "ok")).toBe("custom");
      fs.rmSync(path.join(c.dir, "custom.tsconfig.json"));
      const r = failed(c.run(["preview"]));
      expect(r.out).toMatch(/tsconfig path was set to .*custom\.tsconfig\.json but the file was not found/);
    },
  },
  {
    name: "preview --json is one JSON document with the planned steps",
    fast: true,
    files: twoNamespaces,
    test(c) {
      const doc = JSON.parse(ok(c.run(["preview", "--json"])).out);
      const creates = doc.steps.filter((s: { op: string; urn: string }) => s.op === "create" && s.urn.includes("netns-lab:NetNamespace"));
      expect(creates.map((s: { urn: string }) => s.urn.split("::").pop()).sort()).toEqual(["a", "b"]);
      expect(doc.changeSummary).toMatchObject({ create: 3 });
    },
  },
  {
    name: "preview --diff shows each property that will be set",
    files: twoNamespaces,
    test(c) {
      const r = ok(c.run(["preview", "--diff"]));
      expect(r.out).toMatch(/\+ pulumi-nodejs:dynamic\/netns-lab:NetNamespace: \(create\)/);
      expect(r.out).toContain(`name      : "${c.p}a"`);
    },
  },
  {
    name: "up --target creates only the target; destroy --target removes only the target",
    files: twoNamespaces,
    test(c) {
      const urn = (n: string) => `urn:pulumi:dev::conf::pulumi-nodejs:dynamic/netns-lab:NetNamespace::${n}`;
      ok(c.run(["up", "--yes", "--target", urn("a")]));
      expect(namespaces()).toContain(`${c.p}a`);
      expect(namespaces()).not.toContain(`${c.p}b`);
      ok(c.run(["up", "--yes"]));
      expect(namespaces()).toContain(`${c.p}b`);
      ok(c.run(["destroy", "--yes", "--target", urn("b")]));
      expect(namespaces()).toContain(`${c.p}a`);
      expect(namespaces()).not.toContain(`${c.p}b`);
    },
  },
  {
    name: "refresh --preview-only reports what changed by hand and records nothing",
    files: twoNamespaces,
    test(c) {
      ok(c.run(["up", "--yes"]));
      spawnSync("ip", ["netns", "del", `${c.p}b`]);
      const r = ok(c.run(["refresh", "--preview-only"]));
      expect(r.out).toMatch(/- .*netns-lab:NetNamespace b delete/);
      expect(ok(c.run(["stack", "export"])).out).toContain(`"${c.p}b"`); // still in the state
    },
  },
  {
    name: "stack export and stack import round-trip; state delete forgets one resource and leaves the kernel alone",
    files: twoNamespaces,
    test(c) {
      ok(c.run(["up", "--yes"]));
      const file = path.join(c.dir, "state.json");
      fs.writeFileSync(file, ok(c.run(["stack", "export"])).out);
      ok(c.run(["stack", "import", "--file", file]));
      expect(ok(c.run(["preview", "--expect-no-changes"])).out).toMatch(/3 unchanged/);
      ok(c.run(["state", "delete", "urn:pulumi:dev::conf::pulumi-nodejs:dynamic/netns-lab:NetNamespace::b", "--yes"]));
      expect(ok(c.run(["stack", "export"])).out).not.toContain("NetNamespace::b");
      expect(namespaces()).toContain(`${c.p}b`);
    },
  },
  {
    name: "cancel on a stack with no update running says so",
    files: () => ts(`export const x = 1;\n`),
    test(c) {
      ok(c.run(["up", "--yes"]));
      const r = c.run(["cancel", "--yes"]);
      expect(r.out).toMatch(/no stack update|not currently|no update|cancel/i);
    },
  },
  {
    name: "stack graph writes the dependency graph as DOT",
    files: twoNamespaces,
    test(c) {
      ok(c.run(["up", "--yes"]));
      const file = path.join(c.dir, "graph.dot");
      ok(c.run(["stack", "graph", file]));
      const dot = fs.readFileSync(file, "utf8");
      expect(dot).toMatch(/^strict digraph/);
      expect(dot).toContain("urn:pulumi:dev::conf::pulumi-nodejs:dynamic/netns-lab:NetNamespace::a");
    },
  },
  {
    name: "about lists the runtime and the program's packages",
    fast: true,
    files: () => ({ ...ts(`export const x = 1;\n`), "package.json": pkg({ dependencies: { "@pulumi/pulumi": "3.248.0", "netns-lab": `file:${REPO}` } }) }),
    test(c) {
      const r = ok(c.run(["about"]));
      expect(r.out).toMatch(/This project is written in nodejs: executable='[^']*node' version='20\.\d+\.\d+'/);
      expect(r.out).toMatch(/@pulumi\/pulumi\s+3\.248\.0/);
      expect(r.out).toMatch(/netns-lab\s+0\.\d+\.\d+/);
    },
  },
  {
    name: "install runs npm install without a lock file and npm ci with one",
    nodeModules: false,
    files: () => ({ ...ts(`export const x = 1;\n`), "package.json": pkg({ dependencies: { "netns-lab": `file:${REPO}` } }) }),
    test(c) {
      const first = ok(c.run(["install"]));
      expect(first.out).toContain("npm install");
      expect(fs.lstatSync(path.join(c.dir, "node_modules", "netns-lab")).isSymbolicLink()).toBe(true);
      expect(fs.existsSync(path.join(c.dir, "package-lock.json"))).toBe(true);
      const second = ok(c.run(["install"]));
      expect(second.out).toContain("npm ci");
    },
  },
  {
    name: "new from the local template, then install, up, a ping across the lab, and destroy",
    fast: true,
    nodeModules: false,
    files: () => ({}),
    test(c) {
      const r = ok(c.run(["new", path.join(REPO, "templates", "lab"), "--yes", "--stack", "dev", "--name", "mylab"]));
      expect(r.out).toContain("Your new project is ready to go!");
      const pkgJson = JSON.parse(fs.readFileSync(path.join(c.dir, "package.json"), "utf8"));
      expect(pkgJson.name).toBe("mylab");
      expect(pkgJson.dependencies["netns-lab"]).toBe(`file:${REPO}`);
      expect(ok(c.run(["install"])).out).toContain("npm ci"); // new left a lock file
      ok(c.run(["config", "set", "prefix", c.p]));
      ok(c.run(["up", "--yes"]));
      expect(namespaces().filter((n) => n.startsWith(c.p)).sort()).toEqual([`${c.p}h1`, `${c.p}h2`, `${c.p}r1`]);
      const ping = output(c, "ping").split(" ");
      expect(spawnSync(ping[0], ping.slice(1)).status).toBe(0);
      ok(c.run(["destroy", "--yes"]));
      expect(namespaces().filter((n) => n.startsWith(c.p))).toEqual([]);
    },
  },
  {
    name: "--parallel 1 runs every step one at a time and still converges",
    files: twoNamespaces,
    test(c) {
      ok(c.run(["up", "--yes", "--parallel", "1"]));
      expect(namespaces()).toEqual(expect.arrayContaining([`${c.p}a`, `${c.p}b`]));
      ok(c.run(["destroy", "--yes", "--parallel", "1"]));
      expect(namespaces().filter((n) => n.startsWith(c.p))).toEqual([]);
    },
  },
  {
    name: "convert is not supported: one clear line",
    files: () => ({ ...ts(`export const x = 1;\n`), "main.pp": `output x { value = 1 }\n` }),
    test(c) {
      const r = failed(c.run(["convert", "--from", "pcl", "--language", "typescript", "--out", path.join(c.dir, "out")]));
      expect(r.out).toContain("not supported by netns-lab's language host: pulumi convert");
    },
  },
];

const FULL = process.env.NETNS_LAB_FULL === "1";
const P = uniquePrefix();
const made: string[] = [];
afterAll(() => {
  removeNamespaces(P);
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

describe.each((FULL ? rows : rows.filter((r) => r.fast)).map((r, i) => [r.name, r, i] as const))("%s", (_name, row, i) => {
  test("as stock Pulumi does", async () => {
    const p = `${P}${i}`;
    const dir = userProject(row.files(p), { nodeModules: row.nodeModules });
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-conf-state-"));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-conf-home-"));
    made.push(dir, backend, home);
    const env = { ...process.env, PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_HOME: home, PULUMI_CONFIG_PASSPHRASE: "conformance" };
    const c: Ctx = {
      dir,
      backend,
      p,
      run(args, extra = {}) {
        const t0 = Date.now();
        const r = spawnSync(path.join(REPO, "bin", "pulumi"), [...args, "--non-interactive"], { cwd: dir, env: { ...env, ...extra }, encoding: "utf8", maxBuffer: 1 << 26 });
        return { code: r.status, out: `${r.stdout}\n${r.stderr}`, ms: Date.now() - t0 };
      },
    };
    try {
      if (Object.keys(row.files(p)).length) ok(c.run(["stack", "init", "dev"]));
      await row.test(c);
    } finally {
      if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
        for (const s of ["dev", "second"]) c.run(["destroy", "--yes", "--stack", s]);
      }
      removeNamespaces(p);
    }
  });
});
