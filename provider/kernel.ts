/**
 * The one module that runs external commands: `ip`, `ethtool`, `nsenter`. Every call is an argument
 * array handed to execa (never a shell), and every failure becomes a KernelError whose message says
 * what was being attempted and what to do about it, instead of a raw `RTNETLINK answers: …`.
 */
import execa = require("execa");
import * as fs from "fs";

/** Why a command failed, as far as we can tell from its exit status and stderr. */
export type FailureKind =
  | "not-permitted" // not root / no CAP_NET_ADMIN
  | "missing-tool" // ip, ethtool or nsenter not installed
  | "no-namespace" // the network namespace does not exist
  | "no-device" // the interface does not exist
  | "exists" // the object (address, route, link) already exists
  | "unsupported" // the kernel lacks the feature (e.g. a link type)
  | "other";

export class KernelError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly command: readonly string[],
    readonly stderr: string,
  ) {
    super(message);
    this.name = "KernelError";
  }
}

const PACKAGE_OF: Record<string, string> = { ip: "iproute2", ethtool: "ethtool", nsenter: "util-linux" };

export function classify(stderr: string): FailureKind {
  const s = stderr.toLowerCase();
  if (s.includes("operation not permitted") || s.includes("permission denied")) return "not-permitted";
  if (s.includes("cannot open network namespace") || (s.includes("no such file or directory") && s.includes("netns")))
    return "no-namespace";
  if (
    s.includes("cannot find device") ||
    (s.includes("device") && s.includes("does not exist")) ||
    s.includes("no such device")
  )
    return "no-device";
  if (s.includes("file exists") || s.includes("already assigned")) return "exists";
  if (s.includes("unknown device type") || s.includes("not supported") || s.includes("protocol not supported"))
    return "unsupported";
  return "other";
}

function advice(kind: FailureKind, tool: string): string {
  switch (kind) {
    case "not-permitted":
      return "netns-lab changes network namespaces and links: run it as root (or with CAP_NET_ADMIN and CAP_SYS_ADMIN)";
    case "missing-tool":
      return `'${tool}' is not installed: apt-get install ${PACKAGE_OF[tool] ?? tool}`;
    case "unsupported":
      return "this kernel lacks the feature (check `modprobe` / the kernel config)";
    default:
      return "";
  }
}

export interface RunOptions {
  /** Text for the command's standard input (e.g. an `ip -batch -` script). */
  input?: string;
  /** What the caller was doing, for the error message, e.g. `create veth host1-r1 in host1`. */
  doing?: string;
}

/** Runs a command (no shell) and returns its stdout; throws a KernelError on failure. */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const command = [file, ...args];
  let result: execa.ExecaReturnValue;
  const t0 = process.hrtime.bigint();
  try {
    result = await execa(file, [...args], { input: opts.input, reject: false, stripFinalNewline: true });
  } catch (e) {
    throw new KernelError(`${opts.doing ?? command.join(" ")}: ${(e as Error).message}`, "other", command, "");
  }
  if (process.env.NETNS_LAB_TRACE) {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    fs.appendFileSync(process.env.NETNS_LAB_TRACE, JSON.stringify({ command: file, ms }) + "\n");
  }
  if ((result as { code?: string }).code === "ENOENT") {
    const msg = advice("missing-tool", file);
    throw new KernelError(`${opts.doing ?? command.join(" ")}: ${msg}`, "missing-tool", command, "");
  }
  if (result.exitCode !== 0) {
    const stderr = (result.stderr || result.stdout || "").trim();
    const kind = classify(stderr);
    const hint = advice(kind, file);
    const what = opts.doing ?? command.join(" ");
    throw new KernelError(
      `${what} failed: ${stderr || `exit code ${result.exitCode}`}${hint ? ` (${hint})` : ""} [command: ${command.join(" ")}]`,
      kind,
      command,
      stderr,
    );
  }
  return result.stdout;
}

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;
let privilegeProblem: string | null | undefined;

/**
 * Why this process cannot manage namespaces and links, or null if it can: netns-lab needs
 * CAP_NET_ADMIN (links, addresses, routes) and CAP_SYS_ADMIN (ip netns add/del, entering namespaces).
 * Read once from /proc/self/status, so every kind can call it in `check`, before any change.
 */
export function privilegeError(): string | null {
  if (privilegeProblem !== undefined) return privilegeProblem;
  let eff = 0n;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    eff = m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    /* not Linux: leave eff at 0 */
  }
  const missing = [
    ...((eff >> CAP_NET_ADMIN) & 1n ? [] : ["CAP_NET_ADMIN"]),
    ...((eff >> CAP_SYS_ADMIN) & 1n ? [] : ["CAP_SYS_ADMIN"]),
  ];
  privilegeProblem = missing.length
    ? `netns-lab creates network namespaces and links, which needs root (it lacks ${missing.join(" and ")}): ` +
      `run as root, e.g. sudo bin/pulumi up`
    : null;
  return privilegeProblem;
}

/** `ip [-n ns] args…` */
export function ip(ns: string | undefined, args: readonly string[], opts?: RunOptions): Promise<string> {
  return run("ip", ns ? ["-n", ns, ...args] : args, opts);
}

/** `ip -j [-n ns] args…`, parsed. */
export async function ipJson<T = unknown>(ns: string | undefined, args: readonly string[], opts?: RunOptions): Promise<T> {
  const out = await ip(ns, ["-j", ...args], opts);
  return (out.trim() ? JSON.parse(out) : []) as T;
}

/** Runs several `ip` commands in one process: `ip [-n ns] -batch -`. Stops at the first failing line. */
export function ipBatch(ns: string | undefined, lines: readonly string[], opts?: RunOptions): Promise<string> {
  if (lines.length === 0) return Promise.resolve("");
  return ip(ns, ["-batch", "-"], { ...opts, input: lines.join("\n") + "\n" });
}

/** Runs a command inside a namespace without remounting /sys (cheaper than `ip netns exec`). */
export function inNamespace(ns: string, file: string, args: readonly string[], opts?: RunOptions): Promise<string> {
  return run("nsenter", [`--net=${netnsPath(ns)}`, "--", file, ...args], opts);
}

export function netnsPath(ns: string): string {
  return `/run/netns/${ns}`;
}

/** Whether a named namespace exists (no process spawned). */
export function namespaceExists(ns: string): boolean {
  try {
    return fs.statSync(netnsPath(ns)).isFile();
  } catch {
    return false;
  }
}

/** The inode of the namespace's bind mount: changes when someone deletes and re-adds it by hand. */
export function namespaceInode(ns: string): number | undefined {
  try {
    return fs.statSync(netnsPath(ns)).ino;
  } catch {
    return undefined;
  }
}

export interface LinkInfo {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  address: string;
  operstate: string;
  ifalias?: string;
  link_index?: number;
  linkinfo?: { info_kind?: string };
}

/** One link as `ip -j -d link show` reports it, or undefined when it (or its namespace) is gone. */
export async function showLink(ns: string, dev: string): Promise<LinkInfo | undefined> {
  if (!namespaceExists(ns)) return undefined;
  try {
    const links = await ipJson<LinkInfo[]>(ns, ["-d", "link", "show", "dev", dev]);
    return links[0];
  } catch (e) {
    if (e instanceof KernelError && (e.kind === "no-device" || e.kind === "no-namespace")) return undefined;
    throw e;
  }
}

/** Reads /proc/sys/<key> inside a namespace (key like `net/ipv4/ip_forward`). */
export async function readSysctls(ns: string, keys: readonly string[]): Promise<string[]> {
  const out = await inNamespace(ns, "cat", keys.map((k) => `/proc/sys/${k}`), { doing: `read ${keys.join(", ")} in ${ns}` });
  return out.split("\n").map((s) => s.trim());
}

/** Writes /proc/sys/<key> inside a namespace. */
export async function writeSysctl(ns: string, key: string, value: string): Promise<void> {
  await inNamespace(ns, "tee", [`/proc/sys/${key}`], { input: value + "\n", doing: `set ${key}=${value} in ${ns}` });
}

/** rx/tx checksum offload of a device, from `ethtool -k`. */
export async function readOffload(ns: string, dev: string): Promise<{ rx: boolean; tx: boolean }> {
  const out = await inNamespace(ns, "ethtool", ["-k", dev], { doing: `read offloads of ${dev} in ${ns}` });
  const get = (name: string) => /:\s*on/.test(out.split("\n").find((l) => l.startsWith(`${name}:`)) ?? "");
  return { rx: get("rx-checksumming"), tx: get("tx-checksumming") };
}

export async function writeOffload(ns: string, dev: string, o: { rx?: boolean; tx?: boolean }): Promise<void> {
  const args: string[] = [];
  if (o.rx !== undefined) args.push("rx", o.rx ? "on" : "off");
  if (o.tx !== undefined) args.push("tx", o.tx ? "on" : "off");
  if (args.length === 0) return;
  await inNamespace(ns, "ethtool", ["-K", dev, ...args], { doing: `set offloads ${args.join(" ")} on ${dev} in ${ns}` });
}
