/**
 * Unique, recognisable names for everything a test creates in the kernel, and cleanup by that
 * prefix (tests only: the library itself never deletes by name pattern, it checks ownership markers).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import { markedProcesses } from "./kernel-snapshot";

let counter = 0;

/** e.g. "nlt3f2a1-" : "nlt" + process id + a counter. Short, so namespace names stay readable. */
export function uniquePrefix(): string {
  counter += 1;
  return `nlt${process.pid.toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 4)}-`;
}

export function namespaces(): string[] {
  // Its stderr captured, not printed: a namespace deleted while it lists them makes it say "Peer netns reference is invalid".
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter(Boolean);
}

/** Deletes every namespace whose name starts with `prefix` (and so every veth end inside them). */
export function removeNamespaces(prefix: string): void {
  if (!prefix.startsWith("nlt")) throw new Error(`refusing to clean up "${prefix}": not a test prefix`);
  for (const ns of namespaces().filter((n) => n.startsWith(prefix))) {
    try {
      execFileSync("ip", ["netns", "del", ns]);
    } catch {
      /* already gone */
    }
  }
  // And their hosts files, which a failed test's lab (never destroyed) leaves in /etc/netns.
  for (const d of fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns").filter((n) => n.startsWith(prefix)) : []) {
    fs.rmSync(`/etc/netns/${d}`, { recursive: true, force: true });
  }
}

/** Runs a command and returns stdout (throws on failure). */
export function sh(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Whether `ping` from a namespace reaches an address (1 packet, 1 s). */
export function pings(ns: string, address: string): boolean {
  try {
    execFileSync("ip", ["netns", "exec", ns, "ping", "-c", "1", "-W", "1", address], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Writes /proc/sys/<key> inside a namespace, as a person would by hand. */
export function setSysctl(ns: string, key: string, value: string): void {
  execFileSync("ip", ["netns", "exec", ns, "tee", `/proc/sys/${key}`], { input: value + "\n", stdio: ["pipe", "ignore", "pipe"] });
}

/**
 * Engine plugins whose engine is gone: a language host or a dynamic-provider process whose parent
 * is now init (a SIGKILLed `pulumi up` leaves them so unless they watch their parent).
 */
export function orphanPlugins(): string[] {
  return fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const plugin = /\(pulumi-languag/.test(stat) || fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("cmd/dynamic-provider");
      return plugin && stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] === "1";
    } catch {
      return false;
    }
  });
}

/** Waits (up to 3 s: they look at their parent twice a second) until no engine plugin is orphaned; what is left. */
export async function settledOrphans(): Promise<string[]> {
  for (let i = 0; i < 30 && orphanPlugins().length; i++) await new Promise((r) => setTimeout(r, 100));
  return orphanPlugins();
}

/** The pids of live processes netns-lab marked (NETNS_LAB_OWNER) for owners starting with `ownerPrefix`, e.g. "my-lab/". */
export function markedPids(ownerPrefix: string): number[] {
  return (markedProcesses() as string[]).map((l) => l.split(" ")).filter(([, owner]) => owner.startsWith(ownerPrefix)).map(([pid]) => Number(pid));
}
