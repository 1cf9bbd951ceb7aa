// What the root namespace holds: used before and after the whole run to prove nothing leaked.
const { execFileSync } = require("child_process");
const fs = require("fs");
function snapshot() {
  const ns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n").map((l) => l.split(" ")[0]).filter(Boolean).sort();
  const veth = execFileSync("ip", ["-o", "link", "show", "type", "veth"], { encoding: "utf8" })
    .split("\n").map((l) => (l.split(": ")[1] || "").split("@")[0]).filter(Boolean).sort();
  const etcNetns = fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns").sort() : [];
  return { ns, veth, etcNetns };
}
module.exports = { snapshot };
