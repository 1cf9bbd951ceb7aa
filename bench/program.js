#!/usr/bin/env node
// The program side alone (issue 32, "where the time goes"): the fabric lab (stacks/fabric.ts)
// declared under Pulumi's mocks — no engine, no provider, no kernel — and timed from its first
// declaration until every registration has gone out (the runtime's queue drained). What grows here
// is the registry's matching of needs to makers (provider/registry.ts), which every preview and up
// pays before the engine sees a resource. One process per size (a fresh registry and runtime).
//
//   node bench/program.js [--sizes small,medium,large] [--dist dist]
"use strict";
const { spawnSync } = require("child_process");
const path = require("path");
const { ROOT, opt } = require("./lib");

const SIZES = opt("sizes", "small,medium,large").split(",");
const DIST = path.resolve(ROOT, opt("dist", "dist"));

if (process.argv[2] === "--one") {
  const size = process.argv[3];
  const pulumi = require(path.join(ROOT, "node_modules", "@pulumi", "pulumi"));
  let registered = 0;
  pulumi.runtime.setMocks({ newResource: (a) => ((registered += 1), { id: a.custom ? `${a.name}-id` : undefined, state: a.inputs }), call: (a) => a.inputs }, "proj", "stack", false);
  const { fabric, fabricSize } = require(path.join(DIST, "stacks", "fabric.js"));
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  fabric(fabricSize(size));
  require(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "runtime", "settings")).waitForRPCs().then(() => {
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const mem = process.memoryUsage().rss / 2 ** 20;
    process.stdout.write(JSON.stringify({ size, registered, wall, cpu: (cpu.user + cpu.system) / 1e6, rssMiB: Math.round(mem) }) + "\n");
  });
  return;
}

console.log(`program side of the fabric lab under mocks (${path.relative(ROOT, DIST)}/)`);
console.log("| size | resources | wall (s) | CPU (s) | ms a resource | RSS (MiB) |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const size of SIZES) {
  const r = spawnSync(process.execPath, ["--max-old-space-size=8192", __filename, "--one", size, "--dist", DIST], { encoding: "utf8", maxBuffer: 1 << 26, timeout: 1_800_000 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) {
    console.log(`| ${size} | failed: ${(r.stderr || r.error || "").toString().slice(-300)} |`);
    continue;
  }
  const m = JSON.parse(line);
  console.log(`| ${size} | ${m.registered} | ${m.wall.toFixed(2)} | ${m.cpu.toFixed(2)} | ${((m.wall * 1000) / m.registered).toFixed(2)} | ${m.rssMiB} |`);
}
