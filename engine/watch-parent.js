// Preloaded (node -r) into the dynamic-provider process the engine starts for netns-lab's resources:
// when the engine that started it is gone (a SIGKILLed `pulumi up`), the process is handed to
// another parent, and it exits instead of waiting forever on its gRPC port. As the language host does.
// The parent is read first; if the engine was killed before even that (node takes ~0.1 s to get
// here), that parent is already a reaper, so the engine's address (the first argument) is tried
// once: refused, the engine is gone. Alive then, it was alive when the parent was read.
"use strict";
const parent = process.ppid;
const engine = /^(.*):(\d+)$/.exec(process.argv[2] ?? "");
if (engine) {
  const probe = require("net").connect({ host: engine[1], port: Number(engine[2]) });
  probe.on("connect", () => probe.destroy());
  probe.on("error", (e) => {
    if (e.code === "ECONNREFUSED") process.exit(1);
  });
  probe.setTimeout(5000, () => probe.destroy());
  probe.unref();
}
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();
