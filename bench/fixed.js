#!/usr/bin/env node
// make bench-fixed: the fixed cost of a command. A no-change `up` of the smallest lab (the chain
// with one router: h1 - r1 - h2, 3 namespaces, 15 resources) against a no-change `up` of an empty
// TypeScript program through the same engine (best of REPS each), then the lab again with each
// engine knob that might lower it — kept only where it measurably does. Also how long loading the
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

function best(label, dir, stack, env, config = {}, upArgs = ["--skip-preview"]) {
  const pulumi = (...a) => run(PULUMI, [...a, "--stack", stack], { env, cwd: dir });
  pulumi("stack", "init");
  for (const [k, v] of Object.entries(config)) pulumi("config", "set", k, v);
  pulumi("up", "--yes", "--skip-preview");
  const times = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = now();
    pulumi("up", "--yes", ...upArgs);
    times.push(now() - t0);
  }
  pulumi("destroy", "--yes", "--skip-preview");
  pulumi("stack", "rm", "--yes");
  const b = Math.min(...times);
  process.stderr.write(`  ${label}: best ${b.toFixed(2)} s of ${times.map((t) => t.toFixed(2)).join(", ")}\n`);
  return b;
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
  const lab = { "netns-lab:lab": "chain", "netns-lab:routers": "1", "netns-lab:prefix": "nlbfx-" };
  const t0 = now();
  run("node", ["-e", 'require("@pulumi/pulumi")'], { cwd: ROOT });
  const sdk = now() - t0;
  const t1 = now();
  run("node", ["-e", "0"]);
  const bare = now() - t1;
  process.stderr.write(`  node alone ${bare.toFixed(2)} s, node loading @pulumi/pulumi ${sdk.toFixed(2)} s\n`);
  const r = { date: new Date().toISOString(), reps: REPS, nodeAlone: bare, sdkLoad: sdk };
  r.empty = best("empty TypeScript program", empty, "empty", envFor("e1"));
  r.lab = best("3-node lab (chain, 1 router)", ROOT, "benchfixed", envFor("l1"), lab);
  r.parallelDiff = best("  with PULUMI_PARALLEL_DIFF=true", ROOT, "benchfixed", envFor("l2", { PULUMI_PARALLEL_DIFF: "true" }), lab);
  r.stockClosure = best("  with NETNS_LAB_LAZY_CLOSURE=0 (program and provider load the closure serializer at start)", ROOT, "benchfixed", envFor("l4", { NETNS_LAB_LAZY_CLOSURE: "0" }), lab);
  r.fast = best("  with NETNS_LAB_FAST=1 (checkpoints skipped)", ROOT, "benchfixed", envFor("l3", { NETNS_LAB_FAST: "1" }), lab);
  r.ratio = r.lab / r.empty;
  // As users run it: `up --yes` previews, then updates.
  const chain = path.join(work, "chain");
  const src = path.join(ROOT, "test", "programs", "chain");
  userProject(chain, Object.fromEntries(fs.readdirSync(src).map((f) => [f, fs.readFileSync(path.join(src, f), "utf8")])));
  r.emptyWithPreview = best("empty TypeScript program, up --yes (preview and update)", empty, "empty2", envFor("e2"), {}, []);
  r.rawChain = best("raw chain of 10 routers (user's directory), up --yes (preview and update)", chain, "nlbfc", envFor("c1"), { "prog-chain:routers": "10" }, []);
  r.rawRatio = r.rawChain / r.emptyWithPreview;
  process.stdout.write(`\nno-change up: 3-node lab ${r.lab.toFixed(2)} s, empty program ${r.empty.toFixed(2)} s: ${r.ratio.toFixed(2)}x (target <= 1.3x)\n`);
  process.stdout.write(`no-change up --yes: raw chain of 10 ${r.rawChain.toFixed(2)} s, empty program ${r.emptyWithPreview.toFixed(2)} s: ${r.rawRatio.toFixed(2)}x (target <= 1.5x)\n`);
  fs.mkdirSync(path.join(ROOT, "bench", "results"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "bench", "results", `fixed-${r.date.replace(/[:.]/g, "-")}.json`), JSON.stringify(r, null, 2));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
  for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi\.benchfixed\.yaml$/.test(f))) fs.rmSync(path.join(ROOT, f));
}
