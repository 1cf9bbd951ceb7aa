// After all tests: anything in the root namespace (or /etc/netns), or any process carrying our
// marker, that was not there before is a leak. Tests name everything with the "nlt" prefix (test/support/names.ts); leaks with that prefix
// are removed here so one failing run does not poison the next, and the run fails loudly.
const { execFileSync } = require("child_process");
const fs = require("fs");
const { snapshot } = require("./kernel-snapshot");
const runs = require("./runs");
module.exports = async () => {
  // The run's own copy of the labs project (test/support/engine.ts labsDir).
  fs.rmSync(require("path").join(require("os").tmpdir(), `netns-lab-labs-${process.pid}`), { recursive: true, force: true });
  if (!globalThis.__KERNEL_BEFORE__) return;
  // Another run in progress: what appeared meanwhile may be its own; it checks when it ends.
  const others = runs.end();
  if (others.length) {
    process.stderr.write(`global teardown: another test run is in progress (jest pid ${others.join(", ")}): this run's leaks are not swept here; that run's teardown checks what appeared during it\n`);
    return;
  }
  // Users the tests of labs without root made (test/support/user.ts), left by a run that was killed.
  const users = fs.readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":")[0]).filter((n) => /^nltu[a-z0-9]+$/.test(n));
  for (const u of users) {
    require("child_process").spawnSync("pkill", ["-KILL", "-u", u]);
    require("child_process").spawnSync("userdel", ["--remove", u]);
  }
  const before = globalThis.__KERNEL_BEFORE__;
  const after = snapshot();
  const leaked = (k) => after[k].filter((n) => !before[k].includes(n));
  const [ns, veth, etc, procs, mounts] = [leaked("ns"), leaked("veth"), leaked("etcNetns"), leaked("processes"), leaked("mounts")];
  if (ns.length + veth.length + etc.length + procs.length + mounts.length + users.length === 0) return;
  for (const p of procs) {
    try {
      process.kill(Number(p.split(" ")[0]), "SIGKILL");
    } catch {
      /* gone */
    }
  }
  for (const n of ns.filter((n) => n.startsWith("nlt"))) execFileSync("ip", ["netns", "del", n]);
  for (const v of veth.filter((n) => n.startsWith("nlt"))) execFileSync("ip", ["link", "del", v]);
  for (const e of etc.filter((n) => n.startsWith("nlt"))) fs.rmSync(`/etc/netns/${e}`, { recursive: true, force: true });
  // Mounts of ours (a node's filesystem, FS_ROOT's own mount): a later sandbox copies them, covered, into its mount namespace.
  for (const m of mounts.reverse()) require("child_process").spawnSync("umount", ["-l", m.replace(/ \(.*\)$/, "")]);
  throw new Error(`tests leaked: namespaces [${ns.join(", ")}], veth [${veth.join(", ")}], /etc/netns [${etc.join(", ")}], processes with our marker [${procs.join("; ")}], mounts [${mounts.join(", ")}], test users [${users.join(", ")}]`);
};
