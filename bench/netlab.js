#!/usr/bin/env node
// make bench-netlab: a netlab topology of the shape of netlab's published benchmark (300 Linux hosts
// and 6 FRR routers running OSPF: the routers a ring, 50 hosts on each, one link a host), written
// here in netlab's format, through the real engine with the netlab stack (stacks/index.ts):
// netlab's own transformation alone (`netlab create -p clab`, timed by itself), then our whole `up`
// (the program runs netlab's transformation again, then the kernel work), the topology's validate
// tests through netns-lab validate (netlab's plugins), a no-change `up`, `destroy`. Fast mode
// (NETNS_LAB_FAST=1) by default, as bench-scale; BENCH_NETLAB_FAST=0 for Pulumi's default
// checkpoints. Also the 3-router example (examples/netlab/ospf-triangle.yml): `up` and `destroy`.
// From NETNS_LAB_TRACE: provider calls and kernel commands with their summed time.
//
//   node bench/netlab.js [--hosts 300] [--routers 6]
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { ROOT, opt, now, run, netnsList } = require("./lib");

const HOSTS = Number(opt("hosts", "300"));
const ROUTERS = Number(opt("routers", "6"));
const FAST = process.env.BENCH_NETLAB_FAST !== "0";

/** The topology: routers r1…rN in a ring (OSPF), hosts h1…hM spread over them, one link each. */
function topology(name) {
  const lines = [`name: ${name}`, "defaults.device: frr", "defaults.const.MAX_NODE_ID: 400", // netlab's own limit is 150 nodes: its error says to raise it
    "module: [ ospf ]", "addressing:", "  lan:", "    ipv4: 10.128.0.0/10", "  mgmt:", "    ipv4: 172.30.0.0/16", "nodes:"]; // its management pool (unused here) holds 150 nodes too
  for (let r = 1; r <= ROUTERS; r++) lines.push(`  r${r}:`);
  for (let h = 1; h <= HOSTS; h++) lines.push(`  h${h}:`, "    device: linux");
  lines.push("links:");
  for (let r = 1; r <= ROUTERS; r++) lines.push(`- r${r}-r${(r % ROUTERS) + 1}`);
  for (let h = 1; h <= HOSTS; h++) lines.push(`- h${h}-r${((h - 1) % ROUTERS) + 1}`);
  lines.push(
    "validate:",
    "  adj:",
    "    description: r1 has its two ring neighbours in state Full",
    "    wait: 120",
    "    nodes: [ r1 ]",
    // Not netlab's ospf_neighbor plugin: it asks for "show ip ospf vrf default neighbor ID detail json", which Debian's FRR 8.4 refuses.
    "    show:",
    "      frr: ip ospf neighbor json",
    "    valid:",
    "      frr: len([s for n in neighbors.values() for s in n if 'Full' in (s.get('nbrState') or s.get('state') or '')]) == 2",
    "  ping:",
    `    description: h1 reaches h${HOSTS} across the ring`,
    "    wait: 120",
    "    nodes: [ h1 ]",
    `    plugin: ping('h${HOSTS}')`,
    "",
  );
  return lines.join("\n");
}

function lab(label, file, prefix) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-bench-netlab-"));
  const trace = path.join(state, "trace.jsonl");
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_HOME: path.join(state, "home"), NETNS_LAB_TRACE: trace, NETNS_LAB_FAST: FAST ? "1" : "0" };
  const stack = `bench-netlab-${label}`;
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
  const r = { label, fast: FAST };
  try {
    pulumi("stack", "init");
    pulumi("config", "set", "netns-lab:lab", "netlab");
    pulumi("config", "set", "netns-lab:file", file);
    pulumi("config", "set", "netns-lab:prefix", prefix);
    r.up = timed(() => pulumi("up", "--yes", "--skip-preview"));
    r.namespaces = netnsList().filter((x) => x.startsWith(prefix)).length;
    r.resources = JSON.parse(pulumi("stack", "export")).deployment.resources.length;
    if (label !== "triangle") {
      const v = timed(() => spawnSync(path.join(ROOT, "bin", "netns-lab"), ["validate", "--stack", stack], { env, cwd: ROOT, encoding: "utf8" }));
      r.validate = { wall: v.wall, ok: v.out.status === 0, report: (v.out.stdout + v.out.stderr).trim().split("\n").slice(-3).join(" | ") };
      r.noop = timed(() => pulumi("up", "--yes", "--skip-preview"));
    }
    r.destroy = timed(() => pulumi("destroy", "--yes", "--skip-preview"));
    r.left = netnsList().filter((x) => x.startsWith(prefix)).length;
    for (const k of ["up", "noop", "destroy"]) if (r[k]) delete r[k].out;
    return r;
  } finally {
    if (netnsList().some((x) => x.startsWith(prefix))) spawnSync(path.join(ROOT, "bin", "netns-lab"), ["sweep", "--stack", stack, "--project", "netns-lab"], { env, cwd: ROOT, stdio: "inherit" });
    spawnSync(path.join(ROOT, "bin", "pulumi"), ["stack", "rm", "--yes", "--force", "--stack", stack], { env, cwd: ROOT, stdio: "ignore" });
    fs.rmSync(state, { recursive: true, force: true });
    fs.rmSync(settings, { force: true });
    // netlab's work directory of the stack (it stays after destroy, as netlab's own files do): the bench's own.
    const labs = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "netns-lab", "netlab-labs");
    for (const d of fs.existsSync(labs) ? fs.readdirSync(labs) : []) if (d.startsWith(`netns-lab-${stack}-`)) fs.rmSync(path.join(labs, d), { recursive: true, force: true });
  }
}

function main() {
  if (process.getuid && process.getuid() !== 0) throw new Error("make bench-netlab needs root (network namespaces); as a user who is not root the sandbox works too, but the figures here are root's");
  const { netlabCommand } = require(path.join(ROOT, "dist", "provider", "components", "netlab.js"));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-bench-netlab-topo-"));
  const cleanup = [];
  const results = { date: new Date().toISOString(), machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.release()}`, hosts: HOSTS, routers: ROUTERS, runs: [] };
  try {
    const file = path.join(work, "topology.yml");
    fs.writeFileSync(file, topology("nlbn"));
    // netlab's own transformation, alone (what our up runs once more inside the program).
    // Its own directory, not beside the topology: netlab's files there are no input of the topology's.
    const create = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-bench-netlab-create-"));
    cleanup.push(create);
    const t0 = now();
    run(netlabCommand(), ["create", "-p", "clab", "-o", "config", "-o", "provider", "-o", "pickle", "-o", "json=netlab.json", file], { cwd: create });
    results.netlabCreate = now() - t0;
    process.stderr.write(`netlab create (${HOSTS + ROUTERS} nodes): ${results.netlabCreate.toFixed(1)} s\n`);
    results.runs.push(lab("big", file, "nlbn-"));
    results.runs.push(lab("triangle", path.join(ROOT, "examples", "netlab", "ospf-triangle.yml"), "nlbt-"));
  } finally {
    for (const d of [work, ...cleanup]) fs.rmSync(d, { recursive: true, force: true });
  }
  const outDir = path.join(ROOT, "bench", "results");
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `netlab-${results.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(out, JSON.stringify(results, null, 2));
  const f = (x) => (x === undefined ? "-" : x.toFixed(1));
  console.log(`netlab topology: ${ROUTERS} FRR routers (OSPF ring) + ${HOSTS} Linux hosts, ${results.machine}, ${FAST ? "fast mode" : "default checkpoints"}`);
  console.log(`netlab create alone: ${f(results.netlabCreate)} s`);
  console.log("| lab | namespaces | resources | up (s) | provider calls: summed s | kernel commands: n, summed s | validate (s) | no-change up (s) | destroy (s) | left |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results.runs) {
    console.log(`| ${r.label} | ${r.namespaces} | ${r.resources} | ${f(r.up.wall)} | ${r.up.calls}: ${f(r.up.callSeconds)} | ${r.up.commands}, ${f(r.up.commandSeconds)} | ${r.validate ? `${f(r.validate.wall)} ${r.validate.ok ? "passed" : "FAILED"}` : "-"} | ${f(r.noop?.wall)} | ${f(r.destroy.wall)} | ${r.left} |`);
  }
  for (const r of results.runs) if (r.validate && !r.validate.ok) console.log(`validate of ${r.label}: ${r.validate.report}`);
  console.log(`netlab's published figures (16 cores, containerlab): create 18 s, deploy 39 s, initial configuration 2 min 20 s. JSON: ${path.relative(ROOT, out)}`);
  if (results.runs.some((r) => r.left || (r.validate && !r.validate.ok))) process.exitCode = 1;
}

main();
