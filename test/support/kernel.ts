/** What this kernel has, probed once (tests take the path that exists, instead of assuming one). */
import { execFileSync } from "child_process";

let netem: boolean | undefined;
/** Whether sch_netem is there: a netem qdisc on a veth end in a throw-away namespace (root only). */
export function hasNetem(): boolean {
  if (netem !== undefined) return netem;
  const ns = `nltprobe${process.pid.toString(36)}`;
  try {
    execFileSync("ip", ["netns", "add", ns], { stdio: "ignore" });
    execFileSync("ip", ["-n", ns, "link", "add", "p0", "type", "veth", "peer", "name", "p1"], { stdio: "ignore" });
    execFileSync("ip", ["netns", "exec", ns, "tc", "qdisc", "add", "dev", "p0", "root", "netem", "delay", "1ms"], { stdio: "ignore" });
    netem = true;
  } catch {
    netem = false;
  } finally {
    try {
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      /* not made */
    }
  }
  return netem;
}
