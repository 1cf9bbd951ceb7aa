/**
 * Name resolution inside a namespace: /etc/netns/<namespace>/hosts, which `ip netns exec` bind-mounts
 * over /etc/hosts. The first line carries the owner's marker.
 */
import { Executor } from "./exec";

export const hostsPath = (ns: string): string => `/etc/netns/${ns}/hosts`;

const HEADER = "# written by netns-lab; a change by hand is drift, put back by the next `pulumi up`";
const LOCAL = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];

/** The file's text: marker, localhost, then one line per address, in the order given. */
export function render(marker: string, entries: Record<string, string[]>): string {
  const lines = Object.entries(entries).flatMap(([name, addrs]) => addrs.map((a) => `${a}\t${name}`));
  return [`# ${marker}`, HEADER, ...LOCAL, ...lines].join("\n") + "\n";
}

/** The marker and the entries of a hosts file (localhost and comments left out). */
export function parse(text: string): { marker?: string; entries: Record<string, string[]> } {
  const lines = text.split("\n");
  const marker = lines[0]?.startsWith("# ") ? lines[0].slice(2).trim() : undefined;
  const entries: Record<string, string[]> = {};
  for (const line of lines) {
    const [addr, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (!addr || names.length === 0 || LOCAL.some((l) => l.startsWith(`${addr}\t`))) continue;
    for (const n of names) (entries[n] ??= []).push(addr);
  }
  return { marker, entries };
}

export async function read(x: Executor, ns: string): Promise<{ marker?: string; entries: Record<string, string[]> } | undefined> {
  const text = await x.readFile(hostsPath(ns));
  return text === undefined ? undefined : parse(text);
}

export function write(x: Executor, ns: string, marker: string, entries: Record<string, string[]>): Promise<void> {
  return x.writeFile(hostsPath(ns), render(marker, entries));
}

/** Removes the file, and its directory when nothing else is in it. */
export function remove(x: Executor, ns: string): Promise<boolean> {
  return x.removeFile(hostsPath(ns), "/etc/netns");
}
