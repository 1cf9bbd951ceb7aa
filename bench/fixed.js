#!/usr/bin/env node
// make bench-fixed: the fixed cost of a command. A no-change `up` of the smallest lab (the chain
// with one router: h1 - r1 - h2, 3 namespaces, 15 resources) against a no-change `up` of an empty
// TypeScript program through the same engine (best of REPS each, the cases taken in turn), then the
// lab again with each engine knob that might lower it — kept only where it measurably does; and the
// floor of any program with dynamic resources (the empty program with 1 and with 15 no-op dynamic
// resources, written as Pulumi's docs show them). Also how long loading the
// SDK alone takes (the program and the dynamic-provider process each load it). And, as users run
// it, a no-change `up --yes` (preview, then update) of a raw-resource chain of 10 routers in a
// user's directory (test/programs/chain: plain-string names, shuffled, no dependsOn; ~190 resources)
// against the empty program's `up --yes` (issue 32's target: <= 1.5x).
//
//   node bench/fixed.js [--reps 3]
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { ROOT, opt, now, run } = require("./lib");

const REPS = Number(opt("reps", process.env.REPS || 3));
const PULUMI = path.join(ROOT, "bin", "pulumi");

function project(dir, files) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), t);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
}

/** A user's project: its files, node_modules as npm leaves it with netns-lab linked (test/support/project.ts). */
function userProject(dir, files) {
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), t);
  for (const e of fs.readdirSync(path.join(ROOT, "node_modules"))) {
    if (!e.startsWith(".") && e !== "netns-lab") fs.symlinkSync(path.join(ROOT, "node_modules", e), path.join(dir, "node_modules", e));
  }
  fs.symlinkSync(ROOT, path.join(dir, "node_modules", "netns-lab"));
}

/**
 * The best no-change `up` of each case, the cases taken in turn REPS times (interleaved, so that the
 * shared machine's drift during the run falls on all of them alike, not on whichever came last).
 * Each case: its own directory, stack, backend (env) and config; brought up once before, destroyed after.
 */
function interleaved(cases) {
  const pulumi = (c, ...a) => run(PULUMI, [...a, "--stack", c.stack], { env: c.env, cwd: c.dir });
  try {
    for (const c of cases) {
      pulumi(c, "stack", "init");
      for (const [k, v] of Object.entries(c.config ?? {})) pulumi(c, "config", "set", k, v);
      pulumi(c, "up", "--yes", "--skip-preview");
      c.times = [];
    }
    for (let i = 0; i < REPS; i++) {
      for (const c of cases) {
        const t0 = now();
        pulumi(c, "up", "--yes", ...(c.upArgs ?? ["--skip-preview"]));
        c.times.push(now() - t0);
      }
    }
  } finally {
    for (const c of cases) {
      try {
        pulumi(c, "destroy", "--yes", "--skip-preview");
        pulumi(c, "stack", "rm", "--yes");
      } catch (e) {
        process.stderr.write(`  (cleaning up ${c.stack}: ${e.message})\n`);
      }
    }
  }
  const out = {};
  for (const c of cases) {
    out[c.key] = Math.min(...c.times);
    process.stderr.write(`  ${c.label}: best ${out[c.key].toFixed(2)} s of ${c.times.map((t) => t.toFixed(2)).join(", ")}\n`);
  }
  return out;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-fixed-"));
try {
  const base = { ...process.env, PULUMI_CONFIG_PASSPHRASE: "", PULUMI_SKIP_UPDATE_CHECK: "true" };
  const envFor = (name, extra = {}) => {
    fs.mkdirSync(path.join(work, name, "state"), { recursive: true });
    return { ...base, PULUMI_BACKEND_URL: `file://${path.join(work, name, "state")}`, PULUMI_HOME: path.join(work, name, "home"), ...extra };
  };
  const empty = path.join(work, "empty");
  project(empty, {
    "Pulumi.yaml": "name: empty\nruntime: nodejs\n",
    "package.json": JSON.stringify({ name: "empty", private: true, main: "index.ts" }),
    "index.ts": "export const nothing = 1;\n",
  });
  // The floor of any program that has dynamic resources, whoever writes them: the empty program
  // plus no-op dynamic resources written as Pulumi's docs show them (a provider object, serialized
  // by the SDK's closure serializer). It pays what the lab pays beyond the empty program before any
  // of netns-lab's code runs: the dynamic-provider plugin's process, and a check and diff each.
  const noop = (n) => [
    'import * as pulumi from "@pulumi/pulumi";',
    "const provider: pulumi.dynamic.ResourceProvider = { async create() { return { id: \"noop\", outs: {} }; } };",
    "class Noop extends pulumi.dynamic.Resource { constructor(name: string) { super(provider, name, {}, {}); } }",
    `for (let i = 0; i < ${n}; i++) new Noop(\`noop-\${i}\`);`,
    "",
  ].join("\n");
  const dyn1 = path.join(work, "dyn1");
  project(dyn1, { "Pulumi.yaml": "name: dyn1\nruntime: nodejs\n", "package.json": JSON.stringify({ name: "dyn1", private: true, main: "index.ts" }), "index.ts": noop(1) });
  const dyn15 = path.join(work, "dyn15");
  project(dyn15, { "Pulumi.yaml": "name: dyn15\nruntime: nodejs\n", "package.json": JSON.stringify({ name: "dyn15", private: true, main: "index.ts" }), "index.ts": noop(15) });
  const t0 = now();
  run("node", ["-e", 'require("@pulumi/pulumi")'], { cwd: ROOT });
  const sdk = now() - t0;
  const t1 = now();
  run("node", ["-e", "0"]);
  const bare = now() - t1;
  process.stderr.write(`  node alone ${bare.toFixed(2)} s, node loading @pulumi/pulumi ${sdk.toFixed(2)} s\n`);
  const r = { date: new Date().toISOString(), reps: REPS, nodeAlone: bare, sdkLoad: sdk };
  // Each copy of the lab its own stack (its config file is the project's Pulumi.<stack>.yaml) and prefix.
  const labCase = (key, label, n, extra = {}) => ({
    key, label, dir: ROOT, stack: `benchfixed${n}`, env: envFor(`l${n}`, extra),
    config: { "netns-lab:lab": "chain", "netns-lab:routers": "1", "netns-lab:prefix": `nlbf${n}-` },
  });
  Object.assign(r, interleaved([
    { key: "empty", label: "empty TypeScript program", dir: empty, stack: "empty", env: envFor("e1") },
    { key: "dyn1", label: "the empty program and 1 no-op dynamic resource (the SDK's own serialization)", dir: dyn1, stack: "dyn1", env: envFor("d1") },
    { key: "dyn15", label: "the empty program and 15 no-op dynamic resources (as many as the lab has)", dir: dyn15, stack: "dyn15", env: envFor("d15") },
    labCase("lab", "3-node lab (chain, 1 router)", 1),
    labCase("parallelDiff", "  with PULUMI_PARALLEL_DIFF=true", 2, { PULUMI_PARALLEL_DIFF: "true" }),
    labCase("stockClosure", "  with NETNS_LAB_LAZY_CLOSURE=0 (program and provider load the closure serializer at start)", 3, { NETNS_LAB_LAZY_CLOSURE: "0" }),
    labCase("fast", "  with NETNS_LAB_FAST=1 (checkpoints skipped)", 4, { NETNS_LAB_FAST: "1" }),
  ]));
  r.ratio = r.lab / r.empty;
  // As users run it: `up --yes` previews, then updates.
  const chain = path.join(work, "chain");
  const src = path.join(ROOT, "test", "programs", "chain");
  userProject(chain, Object.fromEntries(fs.readdirSync(src).map((f) => [f, fs.readFileSync(path.join(src, f), "utf8")])));
  Object.assign(r, interleaved([
    { key: "emptyWithPreview", label: "empty TypeScript program, up --yes (preview and update)", dir: empty, stack: "empty2", env: envFor("e2"), upArgs: [] },
    { key: "rawChain", label: "raw chain of 10 routers (user's directory), up --yes (preview and update)", dir: chain, stack: "nlbfc", env: envFor("c1"), config: { "prog-chain:routers": "10" }, upArgs: [] },
    { key: "dyn1WithPreview", label: "the empty program and 1 no-op dynamic resource, up --yes (preview and update)", dir: dyn1, stack: "dyn1b", env: envFor("d1b"), upArgs: [] },
  ]));
  r.rawRatio = r.rawChain / r.emptyWithPreview;
  process.stdout.write(`\nno-change up: 3-node lab ${r.lab.toFixed(2)} s, empty program ${r.empty.toFixed(2)} s: ${r.ratio.toFixed(2)}x (target <= 1.3x)\n`);
  process.stdout.write(`the floor, any dynamic provider: 1 no-op dynamic resource ${r.dyn1.toFixed(2)} s (${(r.dyn1 / r.empty).toFixed(2)}x), 15 of them ${r.dyn15.toFixed(2)} s (${(r.dyn15 / r.empty).toFixed(2)}x); up --yes 1 of them ${r.dyn1WithPreview.toFixed(2)} s (${(r.dyn1WithPreview / r.emptyWithPreview).toFixed(2)}x the empty program's)\n`);
  process.stdout.write(`no-change up --yes: raw chain of 10 ${r.rawChain.toFixed(2)} s, empty program ${r.emptyWithPreview.toFixed(2)} s: ${r.rawRatio.toFixed(2)}x (target <= 1.5x)\n`);
  fs.mkdirSync(path.join(ROOT, "bench", "results"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "bench", "results", `fixed-${r.date.replace(/[:.]/g, "-")}.json`), JSON.stringify(r, null, 2));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
  for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi\.benchfixed\d*\.yaml$/.test(f))) fs.rmSync(path.join(ROOT, f));
}
