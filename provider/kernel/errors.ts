/**
 * Why a command failed and what to do about it: every failure of a command becomes a KernelError
 * that says what was being attempted, why it failed (a FailureKind read from the exit status and
 * stderr) and what to do (the package of a missing tool, the privileges it lacks). Pure.
 */
/** Why a command failed, as far as we can tell from its exit status and stderr. */
export type FailureKind =
  | "not-permitted" // not root / no CAP_NET_ADMIN
  | "missing-tool" // ip, ethtool or nsenter not installed
  | "no-namespace" // the network namespace does not exist
  | "no-device" // the interface does not exist
  | "exists" // the object (address, route, link) already exists
  | "unsupported" // the kernel lacks the feature (e.g. a link type)
  | "unreachable" // another machine cannot be reached over SSH, or refuses us
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

export function classify(stderr: string): FailureKind {
  const s = stderr.toLowerCase();
  if (s.includes("operation not permitted") || s.includes("permission denied")) return "not-permitted";
  if (s.includes("cannot open network namespace") || (s.includes("no such file or directory") && s.includes("netns")))
    return "no-namespace";
  // A file under /run/netns that is not a namespace (what an interrupted `ip netns add` or `del` leaves).
  if (s.includes("setting the network namespace") && s.includes("invalid argument")) return "no-namespace";
  if (s.includes("cannot find device") || (s.includes("device") && s.includes("does not exist")) || s.includes("no such device"))
    return "no-device";
  if (s.includes("file exists") || s.includes("already assigned") || s.includes("already exists")) return "exists";
  if (s.includes("unknown device type") || s.includes("not supported") || s.includes("protocol not supported"))
    return "unsupported";
  return "other";
}

const PACKAGE_OF: Record<string, string> = { ip: "iproute2", tc: "iproute2", ethtool: "ethtool", nsenter: "util-linux", nft: "nftables", tcpdump: "tcpdump" };

/** What to do when the kernel says "not permitted": as root, and in a container, a privileged one. */
export const PRIVILEGE_ADVICE =
  "run as root (with CAP_NET_ADMIN and CAP_SYS_ADMIN: e.g. sudo bin/pulumi up); in a container, start it with --privileged " +
  "(or --cap-add SYS_ADMIN --cap-add NET_ADMIN); or, with no privilege at all, in a sandbox of its own: " +
  "NETNS_LAB_SANDBOX=1 (the default for a user who is not root; see the README, Labs without root)";

function advice(kind: FailureKind, tool: string): string {
  switch (kind) {
    case "not-permitted":
      return `netns-lab changes network namespaces and links: ${PRIVILEGE_ADVICE}`;
    case "missing-tool":
      return `'${tool}' is not installed: apt-get install ${PACKAGE_OF[tool] ?? tool}`;
    case "unsupported":
      return "this kernel lacks the feature (check `modprobe` / the kernel config)";
    default:
      return "";
  }
}

/** Builds the error for a command that ran and failed. */
export function failure(file: string, args: readonly string[], code: number | undefined, stderr: string, doing?: string): KernelError {
  const command = [file, ...args];
  // nsenter runs the real tool: "nsenter: failed to execute nft: No such file or directory".
  const absent = /failed to execute (\S+): No such file or directory/.exec(stderr);
  if (absent) return missing(absent[1], args, doing);
  const kind = classify(stderr);
  const hint = advice(kind, file);
  return new KernelError(
    `${doing ?? command.join(" ")} failed: ${stderr || `exit code ${code}`}${hint ? ` (${hint})` : ""} [command: ${command.join(" ")}]`,
    kind,
    command,
    stderr,
  );
}

/** Builds the error for a command that could not be started at all. */
export function missing(file: string, args: readonly string[], doing?: string): KernelError {
  return new KernelError(`${doing ?? [file, ...args].join(" ")}: ${advice("missing-tool", file)}`, "missing-tool", [file, ...args], "");
}

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;

/** The capabilities netns-lab needs and a CapEff mask (from /proc/<pid>/status) lacks. */
export function missingCapabilities(capEffHex: string): string[] {
  const eff = BigInt(`0x${capEffHex || "0"}`);
  return [
    ...((eff >> CAP_NET_ADMIN) & 1n ? [] : ["CAP_NET_ADMIN"]),
    ...((eff >> CAP_SYS_ADMIN) & 1n ? [] : ["CAP_SYS_ADMIN"]),
  ];
}

export const privilegeMessage = (missingCaps: string[]): string =>
  `netns-lab creates network namespaces and links, which needs root (it lacks ${missingCaps.join(" and ")}): ` +
  PRIVILEGE_ADVICE;

/**
 * Inside a user namespace (an unprivileged container, `unshare --user`), root's capabilities do not
 * reach the host's /run/netns: `ip netns add` fails with "mount --make-shared /run/netns failed:
 * Operation not permitted". The initial user namespace maps every uid ("0 0 4294967295").
 */
export const inUserNamespace = (uidMap: string): boolean => !/^\s*0\s+0\s+4294967295\s*$/.test(uidMap.trim());

export const userNamespaceMessage =
  "netns-lab cannot create network namespaces from inside a user namespace (an unprivileged container, " +
  `or unshare --user): ip netns add fails there with "mount --make-shared /run/netns failed: Operation not permitted". ${PRIVILEGE_ADVICE}`;
