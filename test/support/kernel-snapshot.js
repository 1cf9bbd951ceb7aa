// What the root namespace holds: used before and after the whole run to prove nothing leaked.
const { execFileSync } = require("child_process");
const fs = require("fs");
function snapshot() {
  const ns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n").map((l) => l.split(" ")[0]).filter(Boolean).sort();
  const veth = execFileSync("ip", ["-o", "link", "show", "type", "veth"], { encoding: "utf8" })
    .split("\n").map((l) => (l.split(": ")[1] || "").split("@")[0]).filter(Boolean).sort();
  const etcNetns = fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns").sort() : [];
  return { ns, veth, etcNetns, processes: markedProcesses() };
}

/** "pid owner" of every live process carrying netns-lab's marker (NETNS_LAB_OWNER) in its environment. */
function markedProcesses() {
  const found = [];
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const owner = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").find((e) => e.startsWith("NETNS_LAB_OWNER="));
      if (owner) found.push(`${pid} ${owner.slice("NETNS_LAB_OWNER=".length)}`);
    } catch {
      /* gone, or a kernel thread */
    }
  }
  return found.sort();
}
module.exports = { snapshot, markedProcesses };
