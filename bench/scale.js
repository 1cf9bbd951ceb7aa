#!/usr/bin/env node
// make bench-scale: the fabric lab (stacks/fabric.ts: leaf–spine, a LAN of hosts per leaf) at about
// 100, 300 and 1,000 namespaces, in fast mode (NETNS_LAB_FAST=1: the state written once, at the end;
// see bin/pulumi), through the real engine: up from empty, verify on a sample of pairs, a no-change
// up, destroy (which sweeps). For each phase: wall time, and from NETNS_LAB_TRACE the provider calls
// and kernel commands with their summed time. Also the program alone (`preview` of an empty stack
// would create everything: the program, the engine's plan and `check`, no kernel work).
// At the first size (or those of --checkpoints) it also runs `up` and `destroy` with Pulumi's default
// checkpoints (the state saved after every step, group-committed: engine/patches), to show what they cost.
//
//   node bench/scale.js [--sizes small,medium,large] [--checkpoints large] [--only-checkpoints]
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { ROOT, opt, now, run, netnsList } = require("./lib");

const SIZES = opt("sizes", process.env.SCALE_SIZES || "small,medium,large").split(",");
const CHECKPOINTS = opt("checkpoints", SIZES[0]).split(",");
const ONLY_CHECKPOINTS = process.argv.includes("--only-checkpoints");
const PLAN = { tiny: [2, 2, 2], small: [2, 6, 15], medium: [4, 16, 18], large: [4, 40, 24] };

function fabric(size, fast) {
  const [s, l, h] = PLAN[size];
  const namespaces = s + l * (2 + h);
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-scale-"));
  const trace = path.join(state, "trace.jsonl");
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_HOME: path.join(state, "home"), NETNS_LAB_TRACE: trace, NETNS_LAB_FAST: fast ? "1" : "0" };
  const stack = `scale-${size}${fast ? "" : "-ckpt"}`;
  const prefix = "nlbs-";
  const pulumi = (...a) => run(path.join(ROOT, "bin", "pulumi"), [...a, "--stack", stack], { env, cwd: ROOT });
  const timed = (f) => {
    fs.rmSync(trace, { force: true });
    const t0 = now();
    const out = f();
    const wall = now() - t0;
    const lines = fs.existsSync(trace) ? fs.readFileSync(trace, "utf8").trim().split("\n").filter(Boolean).map((x) => JSON.parse(x)) : [];
    const calls = lines.filter((x) => x.method);
    const cmds = lines.filter((x) => x.command);
    return { wall, calls: calls.length, callSeconds: calls.reduce((a, c) => a + c.ms, 0) / 1000, commands: cmds.length, commandSeconds: cmds.reduce((a, c) => a + c.ms, 0) / 1000, out };
  };
  const settings = path.join(ROOT, `Pulumi.${stack}.yaml`);
  fs.rmSync(settings, { force: true });
  try {
    pulumi("stack", "init");
    pulumi("config", "set", "netns-lab:lab", "fabric");
    pulumi("config", "set", "netns-lab:fabric", size);
    pulumi("config", "set", "netns-lab:prefix", prefix);
    const r = { size, plan: `${s}x${l}x${h}`, namespaces, fast };
    if (fast) r.preview = timed(() => pulumi("preview"));
    r.up = timed(() => pulumi("up", "--yes", "--skip-preview"));
    const made = netnsList().filter((x) => x.startsWith(prefix)).length;
    const st = JSON.parse(pulumi("stack", "export"));
    r.resources = st.deployment.resources.length;
    r.stateBytesPerResource = Math.round(st.deployment.resources.reduce((a, x) => a + JSON.stringify(x).length, 0) / r.resources);
    r.namespacesMade = made;
    if (fast) {
      const v = timed(() => spawnSync(path.join(ROOT, "bin", "netns-lab"), ["verify", "--sample", "40", "--stack", stack], { env, cwd: ROOT, encoding: "utf8" }));
      r.verify = { wall: v.wall, ok: v.out.status === 0, last: (v.out.stdout || "").trim().split("\n").pop() };
      r.noop = timed(() => pulumi("up", "--yes", "--skip-preview"));
    }
    r.destroy = timed(() => pulumi("destroy", "--yes", "--skip-preview"));
    r.left = netnsList().filter((x) => x.startsWith(prefix)).length;
    for (const k of ["preview", "up", "noop", "destroy"]) if (r[k]) delete r[k].out;
    return r;
  } finally {
    for (const x of netnsList().filter((x) => x.startsWith(prefix))) spawnSync("ip", ["netns", "del", x]);
    spawnSync("rm", ["-rf", ...fs.readdirSync("/etc/netns").filter((x) => x.startsWith(prefix)).map((x) => `/etc/netns/${x}`)]);
    fs.rmSync(state, { recursive: true, force: true });
    fs.rmSync(settings, { force: true });
  }
}

function main() {
  if (process.getuid && process.getuid() !== 0) throw new Error("make bench-scale needs root (network namespaces)");
  const results = { date: new Date().toISOString(), machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.release()}`, runs: [] };
  for (const size of SIZES) {
    if (!ONLY_CHECKPOINTS) {
      process.stderr.write(`fabric ${size}: fast mode\n`);
      results.runs.push(fabric(size, true));
    }
    if (CHECKPOINTS.includes(size)) {
      process.stderr.write(`fabric ${size}: default checkpoints\n`);
      results.runs.push(fabric(size, false));
    }
  }
  const dir = path.join(__dirname, "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `scale-${results.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(table(results));
  console.log(`\n(JSON: ${path.relative(ROOT, file)})`);
}

function table(r) {
  const f = (x) => (x === undefined ? "" : x.toFixed(1)).padStart(7);
  const ph = (p) => (p ? `${f(p.wall)} (${p.calls} calls ${p.callSeconds.toFixed(0)}s, ${p.commands} cmds ${p.commandSeconds.toFixed(0)}s)` : "");
  const out = [`netns-lab scale benchmark (fabric lab), ${r.date.slice(0, 10)}, ${r.machine}; seconds`, ""];
  for (const x of r.runs) {
    out.push(`${x.size} ${x.plan}: ${x.namespaces} namespaces (${x.namespacesMade} made), ${x.resources} resources, ${x.stateBytesPerResource} state bytes/resource, ${x.fast ? "fast mode" : "default checkpoints"}`);
    if (x.preview) out.push(`  preview (program + plan + check)  ${ph(x.preview)}`);
    out.push(`  up from empty                     ${ph(x.up)}`);
    if (x.verify) out.push(`  verify --sample 40                ${f(x.verify.wall)} ${x.verify.ok ? "ok" : "FAILED"}: ${x.verify.last}`);
    if (x.noop) out.push(`  no-change up                      ${ph(x.noop)}`);
    out.push(`  destroy${x.fast ? " (+ sweep)" : ""}                 ${ph(x.destroy)}; ${x.left} namespaces left`);
  }
  return out.join("\n");
}

main();
