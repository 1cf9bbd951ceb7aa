// What the root namespace holds: used before and after the whole run to prove nothing leaked.
const { execFileSync } = require("child_process");
const fs = require("fs");
function snapshot() {
  const ns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n").map((l) => l.split(" ")[0]).filter(Boolean).sort();
  const veth = execFileSync("ip", ["-o", "link", "show", "type", "veth"], { encoding: "utf8" })
    .split("\n").map((l) => (l.split(": ")[1] || "").split("@")[0]).filter(Boolean).sort();
  const etcNetns = fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns").sort() : [];
  return { ns, veth, etcNetns, processes: markedProcesses(), mounts: ourMounts(fs.readFileSync("/proc/self/mountinfo", "utf8")) };
}

/**
 * "mount point (type)" of each mount of ours in a mountinfo: under /run/netns-lab (a node's
 * filesystem, FS_ROOT made a mount of its own) or one of the node's own (netns-lab-* sources).
 */
function ourMounts(mountinfo) {
  return mountinfo.split("\n").filter(Boolean).map((l) => {
    const [fields, rest] = l.split(" - ");
    const [type, source] = rest.split(" ");
    return { at: fields.split(" ")[4], type, source };
  }).filter((m) => m.at.startsWith("/run/netns-lab") || m.source.startsWith("netns-lab-")).map((m) => `${m.at} (${m.type})`).sort();
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
module.exports = { snapshot, markedProcesses, ourMounts };
