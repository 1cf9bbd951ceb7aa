#!/usr/bin/env node
// make bench: the chain lab (h1 - r1 … rN - h2, full static routing, forwarding on routers) built
// three ways in one run, on this machine, each checked with a ping from h1 to h2:
//   1. raw iproute2, one `ip` process per operation;
//   2. Mininet (Debian package), hosts and routers as Mininet nodes, no switches, no controller;
//   3. netns-lab through the real engine (bin/pulumi): up from empty, no-change up, up with one
//      changed address, refresh, destroy — with Pulumi's default checkpointing and in fast mode
//      (NETNS_LAB_FAST=1: PULUMI_SKIP_CHECKPOINTS=true, and destroy sweeps; see bin/pulumi).
// Reports medians over REPS runs as a table with ratios against Mininet and raw iproute2, and
// writes bench/results/<timestamp>.json.
//
//   node bench/bench.js [--sizes 2,10,50] [--reps 3]
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { ROOT, opt, now, run, netnsList } = require("./lib");

const SIZES = opt("sizes", process.env.SIZES || "2,10,50").split(",").map(Number);
const REPS = Number(opt("reps", process.env.REPS || "3"));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const subnet = (i) => `10.${Math.floor(i / 256)}.${i % 256}`;
const pings = (ns, addr) => spawnSync("ip", ["netns", "exec", ns, "ping", "-c", "1", "-W", "2", addr]).status === 0;

// ---- 1. raw iproute2 ---------------------------------------------------------------------------
function rawChain(n) {
  const p = "nlbr-";
  const names = ["h1", ...Array.from({ length: n }, (_, i) => `r${i + 1}`), "h2"];
  const ns = (x) => p + x;
  const t0 = now();
  for (const x of names) {
    run("ip", ["netns", "add", ns(x)]);
    run("ip", ["-n", ns(x), "link", "set", "lo", "up"]);
  }
  for (let i = 0; i <= n; i++) {
    const a = names[i], b = names[i + 1];
    run("ip", ["-n", ns(a), "link", "add", `${a}-${b}`, "type", "veth", "peer", "name", `${b}-${a}`, "netns", ns(b)]);
    run("ip", ["-n", ns(a), "addr", "add", `${subnet(i)}.1/24`, "dev", `${a}-${b}`]);
    run("ip", ["-n", ns(b), "addr", "add", `${subnet(i)}.2/24`, "dev", `${b}-${a}`]);
    run("ip", ["-n", ns(a), "link", "set", `${a}-${b}`, "up"]);
    run("ip", ["-n", ns(b), "link", "set", `${b}-${a}`, "up"]);
  }
  run("ip", ["-n", ns("h1"), "route", "add", "default", "via", `${subnet(0)}.2`]);
  run("ip", ["-n", ns("h2"), "route", "add", "default", "via", `${subnet(n)}.1`]);
  for (let r = 1; r <= n; r++) {
    run("ip", ["netns", "exec", ns(`r${r}`), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    for (let j = 0; j <= n; j++) {
      if (j < r - 1) run("ip", ["-n", ns(`r${r}`), "route", "add", `${subnet(j)}.0/24`, "via", `${subnet(r - 1)}.1`]);
      if (j > r) run("ip", ["-n", ns(`r${r}`), "route", "add", `${subnet(j)}.0/24`, "via", `${subnet(r)}.2`]);
    }
  }
  const build = now() - t0;
  const ok = pings(ns("h1"), `${subnet(n)}.2`);
  const t1 = now();
  for (const x of names) run("ip", ["netns", "del", ns(x)]);
  return { build, teardown: now() - t1, ping: ok };
}

// ---- 2. Mininet --------------------------------------------------------------------------------
function mininetChain(n) {
  const out = run("/usr/bin/python3", [path.join(__dirname, "mininet_chain.py"), String(n)]);
  return JSON.parse(out.trim().split("\n").pop());
}

/**
 * Where a resource's bytes in the state go, on average: each top-level field as `stack export`
 * writes it (`"key":value,`), and `__provider` (in inputs and outputs) apart. The engine writes
 * every field but the inputs' and outputs' values; those are what the provider can make smaller.
 */
function fieldBytes(resources) {
  const sum = {};
  const add = (k, n) => (sum[k] = (sum[k] ?? 0) + n);
  for (const r of resources) {
    for (const [k, v] of Object.entries(r)) add(k, JSON.stringify(k).length + JSON.stringify(v).length + 2);
    for (const side of ["inputs", "outputs"]) {
      const p = r[side]?.__provider;
      if (p !== undefined) add("__provider", JSON.stringify("__provider").length + JSON.stringify(p).length + 2);
    }
  }
  const n = Math.max(1, resources.length);
  const avg = Object.fromEntries(Object.entries(sum).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v / n)]));
  avg.engineOwn = Object.entries(avg).filter(([k]) => k !== "inputs" && k !== "outputs" && k !== "__provider").reduce((a, [, v]) => a + v, 0);
  return avg;
}

// ---- 3. netns-lab ------------------------------------------------------------------------------
function netnsLab(n, skipCheckpoints) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-bench-"));
  const trace = path.join(state, "trace.jsonl");
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_HOME: path.join(state, "home"),
    NETNS_LAB_TRACE: trace,
    NETNS_LAB_FAST: skipCheckpoints ? "1" : "0",
  };
  const stack = `bench-${n}`;
  const pulumi = (...a) => run(path.join(ROOT, "bin", "pulumi"), [...a, "--stack", stack], { env, cwd: ROOT, maxBuffer: 1 << 28 });
  const timed = (label, f) => {
    fs.rmSync(trace, { force: true });
    const t0 = now();
    f();
    const wall = now() - t0;
    const lines = fs.existsSync(trace) ? fs.readFileSync(trace, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
    const calls = lines.filter((l) => l.method);
    const cmds = lines.filter((l) => l.command);
    return {
      label, wall,
      providerCalls: calls.length,
      providerMs: calls.reduce((s, c) => s + c.ms, 0),
      commands: cmds.length,
      commandMs: cmds.reduce((s, c) => s + c.ms, 0),
    };
  };
  const prefix = "nlbn-";
  const settings = path.join(ROOT, `Pulumi.${stack}.yaml`); // the stack's config lives in the project
  fs.rmSync(settings, { force: true });
  try {
    pulumi("stack", "init");
    pulumi("config", "set", "netns-lab:lab", "chain");
    pulumi("config", "set", "netns-lab:routers", String(n));
    pulumi("config", "set", "netns-lab:prefix", prefix);
    const phases = {};
    phases.up = timed("up", () => pulumi("up", "--yes", "--skip-preview"));
    const ok = pings(`${prefix}h1`, `${subnet(n)}.2`);
    const stateText = fs.readFileSync(path.join(state, ".pulumi", "stacks", "netns-lab", `${stack}.json`), "utf8");
    const stateResources = JSON.parse(stateText).checkpoint.latest?.resources ?? [];
    const resourceCount = stateResources.length;
    // Bytes per resource as `stack export` gives them, without indentation.
    const bytesPerResource = Math.round(stateResources.reduce((a, r) => a + JSON.stringify(r).length, 0) / Math.max(1, resourceCount));
    const stateFields = fieldBytes(stateResources);
    phases.noop = timed("noop", () => pulumi("up", "--yes", "--skip-preview"));
    pulumi("config", "set", "--path", `netns-lab:addresses["h2-r${n}"]`, `${subnet(n)}.200/24`);
    phases.change = timed("change", () => pulumi("up", "--yes", "--skip-preview"));
    const ok2 = pings(`${prefix}h1`, `${subnet(n)}.200`);
    if (!ok || !ok2) process.stderr.write(` [ping failed: ${ok ? "after the address change" : "after up"}] `);
    phases.refresh = timed("refresh", () => pulumi("refresh", "--yes", "--skip-preview"));
    phases.destroy = timed("destroy", () => pulumi("destroy", "--yes", "--skip-preview"));
    return { phases, ping: ok && ok2, stateBytes: stateText.length, bytesPerResource, stateFields, resources: resourceCount };
  } finally {
    for (const x of netnsList().filter((x) => x.startsWith(prefix))) spawnSync("ip", ["netns", "del", x]);
    fs.rmSync(state, { recursive: true, force: true });
    fs.rmSync(settings, { force: true });
  }
}

// ---- the run -----------------------------------------------------------------------------------
function engineStart() {
  const env = { ...process.env, PULUMI_HOME: fs.mkdtempSync(path.join(os.tmpdir(), "nlb-home-")) };
  const xs = [];
  for (let i = 0; i < 5; i++) {
    const t0 = now();
    run(path.join(ROOT, "bin", "pulumi"), ["version"], { env });
    xs.push(now() - t0);
  }
  return median(xs);
}

function main() {
  if (process.getuid && process.getuid() !== 0) throw new Error("make bench needs root (network namespaces)");
  if (!fs.existsSync("/usr/bin/mn")) throw new Error("Mininet is missing: apt-get install mininet (make bench does it)");
  const results = { date: new Date().toISOString(), machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.release()}`, reps: REPS, sizes: {} };
  results.cliStartSeconds = engineStart();
  for (const n of SIZES) {
    const raw = [], mn = [], nl = [], nlSkip = [];
    for (let r = 0; r < REPS; r++) {
      process.stderr.write(`N=${n} run ${r + 1}/${REPS}: raw`);
      raw.push(rawChain(n));
      process.stderr.write(", mininet");
      mn.push(mininetChain(n));
      process.stderr.write(", netns-lab");
      nl.push(netnsLab(n, false));
      process.stderr.write(", netns-lab (fast mode)\n");
      nlSkip.push(netnsLab(n, true));
    }
    const med = (xs, f) => median(xs.map(f));
    const phase = (xs, p, k = "wall") => med(xs, (x) => x.phases[p][k]);
    const summary = (xs) => Object.fromEntries(["up", "noop", "change", "refresh", "destroy"].map((p) => [p, {
      wall: phase(xs, p),
      providerCalls: phase(xs, p, "providerCalls"),
      providerMs: phase(xs, p, "providerMs"),
      commands: phase(xs, p, "commands"),
      commandMs: phase(xs, p, "commandMs"),
    }]));
    results.sizes[n] = {
      raw: { build: med(raw, (x) => x.build), teardown: med(raw, (x) => x.teardown), ping: raw.every((x) => x.ping) },
      mininet: { build: med(mn, (x) => x.build), teardown: med(mn, (x) => x.teardown), ping: mn.every((x) => x.ping) },
      netnsLab: { ...summary(nl), ping: nl.every((x) => x.ping), stateBytes: nl[0].stateBytes, bytesPerResource: nl[0].bytesPerResource, stateFields: nl[0].stateFields, resources: nl[0].resources },
      netnsLabSkipCheckpoints: { ...summary(nlSkip), ping: nlSkip.every((x) => x.ping) },
    };
  }
  const dir = path.join(__dirname, "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${results.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(table(results));
  console.log(`\n(JSON: ${path.relative(ROOT, file)})`);
}

const W = 46; // label column
function table(r) {
  const f = (x) => x.toFixed(2).padStart(7);
  const ratio = (a, b) => `${(a / b).toFixed(2)}x`.padStart(7);
  const out = [];
  out.push(`netns-lab benchmark, ${r.date.slice(0, 10)}, ${r.machine}, median of ${r.reps}; times in seconds`);
  out.push(`pulumi CLI start (bin/pulumi version): ${r.cliStartSeconds.toFixed(2)} s`);
  for (const [n, s] of Object.entries(r.sizes)) {
    out.push("");
    out.push(`N = ${n} routers, ${s.netnsLab.resources} Pulumi resources, state ${Math.round(s.netnsLab.stateBytes / 1024)} KB on disk, ${s.netnsLab.bytesPerResource} bytes per resource`);
    const sf = s.netnsLab.stateFields;
    if (sf) {
      out.push(`  a resource's bytes: the engine's own fields ${sf.engineOwn} (${Object.entries(sf).filter(([k]) => !["inputs", "outputs", "__provider", "engineOwn"].includes(k)).map(([k, v]) => `${k} ${v}`).join(", ")});`);
      out.push(`    inputs ${sf.inputs ?? 0} and outputs ${sf.outputs ?? 0}, of which __provider ${sf.__provider ?? 0} in the two`);
    }
    out.push(`  ping from h1 to h2 (${Number(n) + 2} namespaces): raw ${s.raw.ping ? "ok" : "FAIL"}, mininet ${s.mininet.ping ? "ok" : "FAIL"}, netns-lab ${s.netnsLab.ping && s.netnsLabSkipCheckpoints.ping ? "ok" : "FAIL"}`);
    out.push(`  ${"".padEnd(W)}${"time".padStart(7)} ${"/mininet".padStart(8)} ${"/raw ip".padStart(8)}   provider calls, ip commands (their summed time)`);
    const row = (label, t, base = true, extra = "") =>
      out.push(`  ${label.padEnd(W)}${f(t)} ${base ? ratio(t, s.mininet.build).padStart(8) : "".padStart(8)} ${base ? ratio(t, s.raw.build).padStart(8) : "".padStart(8)}   ${extra}`);
    row("raw iproute2 build", s.raw.build);
    row("mininet build", s.mininet.build);
    for (const [name, v] of [["netns-lab", s.netnsLab], ["netns-lab (fast mode)", s.netnsLabSkipCheckpoints]]) {
      for (const p of ["up", "noop", "change", "refresh"]) {
        const ph = v[p];
        row(`${name}: ${p === "up" ? "up from empty" : p === "noop" ? "no-change up" : p === "change" ? "up, one address changed" : "refresh"}`, ph.wall, true,
          `${ph.providerCalls} calls ${(ph.providerMs / 1000).toFixed(1)}s, ${ph.commands} cmds ${(ph.commandMs / 1000).toFixed(1)}s`);
      }
    }
    out.push(`  ${"teardown".padEnd(W)}${"time".padStart(7)} ${"/mininet".padStart(8)} ${"/raw ip".padStart(8)}`);
    const trow = (label, t) => out.push(`  ${label.padEnd(W)}${f(t)} ${ratio(t, s.mininet.teardown).padStart(8)} ${ratio(t, s.raw.teardown).padStart(8)}`);
    trow("raw iproute2 teardown", s.raw.teardown);
    trow("mininet teardown", s.mininet.teardown);
    trow("netns-lab: destroy", s.netnsLab.destroy.wall);
    trow("netns-lab (fast mode): destroy + sweep", s.netnsLabSkipCheckpoints.destroy.wall);
  }
  return out.join("\n");
}

main();
