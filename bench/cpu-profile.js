// A CPU profile of every Node.js process of a command, for saying where the time goes (issue 32).
// Node 20 refuses --cpu-prof in NODE_OPTIONS, so this preload starts V8's profiler itself and writes
// <dir>/<pid>-<script>.cpuprofile when the process exits (the program and the dynamic-provider
// process each write one). Then `node bench/cpu-profile.js FILE` prints self and inclusive times.
//
//   NETNS_LAB_CPU_PROFILE=/tmp/prof NODE_OPTIONS="--require $PWD/bench/cpu-profile.js" bin/pulumi up ...
//   node bench/cpu-profile.js /tmp/prof/1234-run.cpuprofile
"use strict";
const fs = require("fs");
const path = require("path");

if (require.main === module) {
  const p = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const name = (id) => {
    const c = byId.get(id).callFrame;
    return `${c.functionName || "(anonymous)"} ${c.url.replace(/^.*\/node_modules\//, "").replace(/^file:\/\//, "")}:${c.lineNumber + 1}`;
  };
  const selfBy = {}, inclusive = {};
  for (const [id, t] of self) {
    selfBy[name(id)] = (selfBy[name(id)] ?? 0) + t;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = name(cur);
      if (!seen.has(k)) inclusive[k] = (inclusive[k] ?? 0) + t;
      seen.add(k);
    }
  }
  const top = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, t]) => `${(t / 1e6).toFixed(2).padStart(7)} s  ${k}`).join("\n");
  console.log(`${((p.endTime - p.startTime) / 1e6).toFixed(1)} s profiled\n\nself:\n${top(selfBy)}\n\ninclusive:\n${top(inclusive)}`);
} else {
  const dir = process.env.NETNS_LAB_CPU_PROFILE || "/tmp";
  const inspector = require("inspector");
  const session = new inspector.Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    // Synchronous in the process's own thread: usable in an exit handler.
    session.post("Profiler.stop", (err, r) => {
      if (err) return;
      const script = path.basename(process.argv[1] ?? "node").replace(/[^A-Za-z0-9_.-]/g, "_");
      fs.writeFileSync(path.join(dir, `${process.pid}-${script}.cpuprofile`), JSON.stringify(r.profile));
    });
  };
  process.on("exit", stop);
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => (stop(), process.exit(130)));
}
