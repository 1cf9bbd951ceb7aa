#!/usr/bin/env node
// make bench-split: the chain lab (stacks/chain.ts) on this machine, and the same chain split over
// the two simulated machines of `make sim-machines` (first half of the routers on m1, the rest on
// m2, the middle cable a VXLAN tunnel): up from empty, a no-change up, destroy, a ping end to end.
// Everything on the machines runs through SSH (one shared connection per machine).
//
//   node bench/split.js [--routers 10]
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { ROOT, opt, now, run } = require("./lib");

const ROUTERS = Number(opt("routers", process.env.ROUTERS || 10));

function chain(split) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-split-"));
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_HOME: path.join(state, "home") };
  const stack = `benchsplit-${split ? "two" : "one"}`;
  const pulumi = (...a) => run(path.join(ROOT, "bin", "pulumi"), [...a, "--stack", stack], { env, cwd: ROOT });
  const settings = path.join(ROOT, `Pulumi.${stack}.yaml`);
  try {
    pulumi("stack", "init");
    pulumi("config", "set", "netns-lab:lab", "chain");
    pulumi("config", "set", "netns-lab:routers", String(ROUTERS));
    pulumi("config", "set", "netns-lab:prefix", "nlbsp-");
    if (split) pulumi("config", "set", "netns-lab:split", "sim");
    const timed = (f) => {
      const t0 = now();
      f();
      return now() - t0;
    };
    const r = { machines: split ? 2 : 1 };
    r.up = timed(() => pulumi("up", "--yes", "--skip-preview"));
    const ping = JSON.parse(pulumi("stack", "output", "--json")).ping;
    r.ping = spawnSync("bash", ["-c", ping], { cwd: ROOT, env }).status === 0;
    r.noop = timed(() => pulumi("up", "--yes", "--skip-preview"));
    r.destroy = timed(() => pulumi("destroy", "--yes", "--skip-preview"));
    return r;
  } finally {
    fs.rmSync(state, { recursive: true, force: true });
    fs.rmSync(settings, { force: true });
  }
}

function main() {
  if (!/m1 \S+ up/.test(run(path.join(ROOT, "sim", "machines.sh"), ["status"]))) throw new Error("run `make sim-machines` first");
  const one = chain(false);
  const two = chain(true);
  const f = (x) => x.toFixed(2).padStart(7);
  console.log(`chain of ${ROUTERS} routers (${ROUTERS + 2} namespaces), seconds; ping h1 -> h2: one machine ${one.ping ? "ok" : "FAIL"}, two ${two.ping ? "ok" : "FAIL"}`);
  console.log(`                      one machine  two machines   ratio`);
  for (const k of ["up", "noop", "destroy"]) console.log(`  ${(k === "noop" ? "no-change up" : k).padEnd(18)}${f(one[k])}      ${f(two[k])}    ${(two[k] / one[k]).toFixed(2)}x`);
}

main();
