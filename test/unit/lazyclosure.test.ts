// engine/cmd/pulumi-language-nodejs/lazy-closure.js, preloaded into programs and the dynamic-provider
// process: the SDK's closure serializer and code-path walker are loaded on first call, not at start.
// Each case runs its own node process (no root, no engine).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");
const LAZY = path.join(REPO, "engine", "cmd", "pulumi-language-nodejs", "lazy-closure.js");

/** Runs `code` in node (with the preload unless `preload` is false) from `cwd`; its stdout parsed as JSON. */
function inNode(code: string, opts: { preload?: boolean; cwd?: string; env?: NodeJS.ProcessEnv } = {}): any {
  const args = [...(opts.preload === false ? [] : ["-r", LAZY]), "-e", code];
  const r = spawnSync("node", args, { cwd: opts.cwd ?? REPO, encoding: "utf8", env: { ...process.env, ...(opts.env ?? {}) } });
  if (r.status !== 0) throw new Error(`node failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const loaded = `Object.keys(require.cache).filter((f) => /node_modules\\/(typescript|@npmcli\\/arborist)\\//.test(f)).map((f) => f.includes("typescript") ? "typescript" : "arborist").filter((v, i, a) => a.indexOf(v) === i).sort()`;

test("for the installed SDK, the stand-ins export exactly the real modules' names", () => {
  const real = inNode(
    `const c = "@pulumi/pulumi/runtime/closure/"; console.log(JSON.stringify([Object.keys(require(c + "serializeClosure")).sort(), Object.keys(require(c + "codePaths")).sort(), require("@pulumi/pulumi/package.json").version]))`,
    { preload: false },
  );
  const src = fs.readFileSync(LAZY, "utf8");
  expect(real[2]).toBe(/const VERSION = "([^"]+)"/.exec(src)?.[1]);
  const listed = (m: string) => JSON.parse(`[${new RegExp(`"closure/${m}": \\[([^\\]]*)\\]`).exec(src)?.[1]}]`).sort();
  expect(real[0]).toEqual(listed("serializeClosure"));
  expect(real[1]).toEqual(listed("codePaths"));
  expect(real[0]).toEqual(["serializeFunction", "serializeFunctionAsync"]);
  expect(real[1]).toEqual(["computeCodePaths", "findWorkspaceRoot"]);
  // And runtime/index.js still takes exactly these from them.
  const index = fs.readFileSync(path.join(REPO, "node_modules", "@pulumi", "pulumi", "runtime", "index.js"), "utf8");
  expect([...index.matchAll(/(serializeClosure_1|codePaths_1)\.(\w+)/g)].map((m) => m[2]).sort()).toEqual(["computeCodePaths", "serializeFunction", "serializeFunctionAsync"]);
});

test.each([
  ["stock (no preload)", { preload: false }, ["arborist", "typescript"]],
  ["preloaded", {}, []],
  ["preloaded, NETNS_LAB_LAZY_CLOSURE=0", { env: { NETNS_LAB_LAZY_CLOSURE: "0" } }, ["arborist", "typescript"]],
] as const)("loading @pulumi/pulumi %s loads %j of the two", (_, opts, expected) => {
  expect(inNode(`require("@pulumi/pulumi"); console.log(JSON.stringify(${loaded}))`, opts)).toEqual(expected);
});

test("a closure serialized and code paths computed through the stand-ins: the same results as stock, loaded on that call", () => {
  const code = `const pulumi = require("@pulumi/pulumi"); const before = ${loaded};
const f = ((x) => () => x + 1)(41);
Promise.all([pulumi.runtime.serializeFunction(f), pulumi.runtime.computeCodePaths({ extraIncludePackages: ["zod"] })]).then(([s, paths]) => {
  console.log(JSON.stringify({ before, after: ${loaded}, text: s.text, paths: [...paths.keys()].filter((p) => p.includes("node_modules/zod")).length > 0 }));
});`;
  const stock = inNode(code, { preload: false });
  const lazy = inNode(code);
  expect(lazy.before).toEqual([]);
  expect(lazy.after).toEqual(["arborist", "typescript"]);
  expect(lazy.text).toBe(stock.text);
  expect(lazy.text).toContain("x + 1");
  expect([lazy.paths, stock.paths]).toEqual([true, true]);
});

test.each([
  ["3.248.0", { stood: true }],
  ["3.249.0", { stood: false }],
])("an SDK of version %s: stand-ins %j", (version, { stood }) => {
  // A made-up SDK with the same layout: the preload only stands in for the version it knows.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-lazy-"));
  try {
    const sdk = path.join(dir, "node_modules", "@pulumi", "pulumi");
    fs.mkdirSync(path.join(sdk, "runtime", "closure"), { recursive: true });
    fs.writeFileSync(path.join(sdk, "package.json"), JSON.stringify({ name: "@pulumi/pulumi", version }));
    fs.writeFileSync(path.join(sdk, "runtime", "index.js"), `const s = require("./closure/serializeClosure"); const c = require("./closure/codePaths"); exports.f = s.serializeFunction; exports.g = c.computeCodePaths;`);
    fs.writeFileSync(path.join(sdk, "runtime", "closure", "serializeClosure.js"), `global.loadedS = true; exports.serializeFunction = () => "s"; exports.serializeFunctionAsync = () => "a";`);
    fs.writeFileSync(path.join(sdk, "runtime", "closure", "codePaths.js"), `global.loadedC = true; exports.computeCodePaths = () => "c";`);
    const out = inNode(`const r = require("@pulumi/pulumi/runtime"); const early = [!!global.loadedS, !!global.loadedC]; console.log(JSON.stringify({ early, results: [r.f(), r.g()], late: [!!global.loadedS, !!global.loadedC] }))`, { cwd: dir });
    expect(out).toEqual({ early: stood ? [false, false] : [true, true], results: ["s", "c"], late: [true, true] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The runtime's debuggablePromise: its stack trace recorded only for the leak report's debug form.
function inNodeRaw(code: string, opts: { preload?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const args = [...(opts.preload === false ? [] : ["-r", LAZY]), "-e", code];
  const env = { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "", ...(opts.env ?? {}) };
  const r = spawnSync("node", args, { cwd: REPO, encoding: "utf8", env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("debuggablePromise formats no stack trace with the preload (100 promises: 100 formats stock, none preloaded)", () => {
  const code = `let formats = 0; Error.prepareStackTrace = (e, sites) => { formats++; return String(e); };
const d = require("@pulumi/pulumi/runtime/debuggable");
const ps = []; for (let i = 0; i < 100; i++) ps.push(d.debuggablePromise(Promise.resolve(i), "ctx " + i));
Promise.all(ps).then((vs) => console.log(JSON.stringify({ formats, sum: vs.reduce((a, b) => a + b, 0), pending: require("@pulumi/pulumi/runtime/state").getStore().leakCandidates.size })));`;
  expect(JSON.parse(inNodeRaw(code, { preload: false }).stdout)).toEqual({ formats: 100, sum: 4950, pending: 0 });
  expect(JSON.parse(inNodeRaw(code).stdout)).toEqual({ formats: 0, sum: 4950, pending: 0 });
  // With the debug report asked for, the trace is taken as stock takes it.
  expect(JSON.parse(inNodeRaw(code, { env: { PULUMI_DEBUG_PROMISE_LEAKS: "1" } }).stdout)).toEqual({ formats: 100, sum: 4950, pending: 0 });
});

test.each([
  ["a leaked promise", "", { status: 1, leak: true, debug: false }],
  ["a leaked promise, PULUMI_DEBUG_PROMISE_LEAKS=1", "1", { status: 1, leak: true, debug: true }],
])("%s: the same report and exit code as stock", (_, debug, want) => {
  const code = `const d = require("@pulumi/pulumi/runtime/debuggable");
d.debuggablePromise(Promise.resolve(1), "settled"); d.debuggablePromise(Promise.reject(new Error("no")), "rejected").catch(() => {});
d.debuggablePromise(new Promise(() => {}), "never settles");`;
  const stock = inNodeRaw(code, { preload: false, env: { PULUMI_DEBUG_PROMISE_LEAKS: debug } });
  const ours = inNodeRaw(code, { env: { PULUMI_DEBUG_PROMISE_LEAKS: debug } });
  for (const r of [stock, ours]) {
    expect(r.status).toBe(want.status);
    expect(r.stderr.includes("The Pulumi runtime detected that 1 promise was still active")).toBe(want.leak && !want.debug);
    expect(r.stderr.includes("Promise leak detected:")).toBe(want.debug);
    // The debug report names the leaked promise's context and where it was made ([eval], this code).
    expect(/CONTEXT\(\d+\): never settles\nSTACK_TRACE:\nError\n\s+at .*debuggablePromise[\s\S]*\[eval\]/.test(r.stderr)).toBe(want.debug);
  }
  // Line for line, but for the frame of the function itself (the SDK's file or the preload).
  const norm = (s: string) => s.replace(/\(.*(debuggable|lazy-closure)\.js:\d+:\d+\)/g, "(F)");
  expect(norm(ours.stderr)).toBe(norm(stock.stderr));
});
