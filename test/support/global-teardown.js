// After all tests: anything in the root namespace that was not there before is a leak. Tests name
// everything with the "nlt" prefix (test/support/names.ts); leaks with that prefix are removed here
// so one failing run does not poison the next, and the run fails loudly.
const { execFileSync } = require("child_process");
const { snapshot } = require("./kernel-snapshot");
module.exports = async () => {
  const before = globalThis.__KERNEL_BEFORE__;
  if (!before) return;
  const after = snapshot();
  const leakedNs = after.ns.filter((n) => !before.ns.includes(n));
  const leakedVeth = after.veth.filter((n) => !before.veth.includes(n));
  if (leakedNs.length === 0 && leakedVeth.length === 0) return;
  for (const n of leakedNs.filter((n) => n.startsWith("nlt"))) execFileSync("ip", ["netns", "del", n]);
  for (const v of leakedVeth.filter((n) => n.startsWith("nlt"))) execFileSync("ip", ["link", "del", v]);
  throw new Error(`tests leaked kernel objects: namespaces [${leakedNs.join(", ")}], veth [${leakedVeth.join(", ")}]`);
};
