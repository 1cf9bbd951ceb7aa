/**
 * A node's own filesystem view: a persistent mount namespace, entered with the node's network
 * namespace, in which the paths a container has to itself are the node's own. Kept by a bind mount
 * of the namespace at /run/netns-lab/fs/<namespace>/mnt (as `ip netns` keeps network namespaces).
 *
 * Inside it, made in this order (each an argument array; binds are staged first, while the
 * host's paths are still visible):
 *   /sys        a sysfs of the node's network namespace (its interfaces, as `ip netns exec` gives)
 *   /etc, /var  copy-on-write overlays of the host's: the node reads the host's files and writes its
 *               own (upper directories under /run/netns-lab/fs/<namespace>/); the host's are never written
 *   /tmp, /root empty (tmpfs), as a container's
 *   /etc/frr    empty (a tmpfs, FRR's user's where there is one) but for a vtysh.conf saying
 *               `service integrated-vtysh-config`, as FRR's image has: the node's FRR reads only its own
 *               (the host's /etc/frr is FRR's user's, which a sandbox cannot read)
 *   binds       containerlab's `host:path[:ro]`: the host's file or directory at `path` (its mount
 *               point made in the node's own trees, or at a top-level path the host lacks — `/app/x`,
 *               `/note.txt` — in a root of the node's own, below; elsewhere it must exist on the host already)
 *   /           only when a bind needs it: a tmpfs holding the host's top-level entries (directories
 *               bound recursively as the node sees them, symlinks copied) and the binds' new top-level
 *               mount points, made the node's root (pivot_root), so nothing is made in the host's /
 *   /run        empty (a tmpfs), with /run/frr for FRR's user
 * With a host name (a container's: its node's name), also a UTS namespace of its own, kept by a bind
 * at /run/netns-lab/fs/<namespace>/uts, its host name set.
 * What runs in the node enters them all: `nsenter --net=… --mount=… [--uts=…] --`.
 */
import { Executor } from "./exec";
import { netnsPath } from "./ip";

export const FS_ROOT = "/run/netns-lab/fs";
/** The node's directory: its marker (`owner`), the namespace's bind (`mnt`), the overlays' upper and work directories. */
export const fsDir = (ns: string): string => `${FS_ROOT}/${ns}`;
/** The file the node's mount namespace is bound to. */
export const mountPath = (ns: string): string => `${fsDir(ns)}/mnt`;
/** The file the node's UTS namespace (its host name) is bound to, when it has one. */
export const utsPath = (ns: string): string => `${fsDir(ns)}/uts`;

/** The host's directories the node sees copy-on-write. */
export const OVERLAID = ["/etc", "/var"] as const;
/**
 * The directories the node has empty, of its own (besides /run, made last, and /etc/frr). /var/log
 * too, as a container starts with its image's logs, not the host's: in a sandbox the host's files
 * there belong to ids the sandbox does not map, so netlab's `chown frr:frr /var/log/frr` was refused.
 */
export const EMPTY: ReadonlyArray<[string, string]> = [["/tmp", "1777"], ["/root", "0700"], ["/var/log", "0755"]];

export interface Bind {
  /** The file or directory on the host (absolute). */
  source: string;
  /** Where the node sees it (absolute). */
  target: string;
  readOnly?: boolean;
}

/**
 * The argument array that runs a command in the node: its network namespace, its filesystem view
 * and, when `uts` (the node has a host name of its own), its UTS namespace.
 */
export function enterNode(ns: string, opts: { cwd?: string; uts?: boolean } = {}): string[] {
  return ["nsenter", `--net=${netnsPath(ns)}`, `--mount=${mountPath(ns)}`, ...(opts.uts ? [`--uts=${utsPath(ns)}`] : []), ...(opts.cwd ? [`--wd=${opts.cwd}`] : []), "--"];
}

/** Whether the node has a host name of its own: its UTS namespace's file is a bind of one (a node made before netns-lab gave them has none). */
export async function hasUts(x: Executor, ns: string): Promise<boolean> {
  const [file, dir] = [await x.stat(utsPath(ns)), await x.stat(fsDir(ns))];
  return !!file && !!dir && file.dev !== dir.dev;
}

/** Why a bind cannot be honoured (pure), or undefined. */
export function bindProblem(b: Bind): string | undefined {
  const t = b.target.replace(/\/+$/, "") || "/";
  if (t === "/" || OVERLAID.includes(t as (typeof OVERLAID)[number]) || t === "/run" || t === "/sys" || t === "/proc") return `bind target ${b.target} is the node's whole ${t}: bind a file or a directory inside it`;
  if (t.startsWith("/run/") || t.startsWith("/var/run/")) return `bind target ${b.target} is under /run, which is the node's own and empty: bind it elsewhere`;
  if (t.startsWith("/proc/") || t.startsWith("/sys/") || t.startsWith("/dev/")) return `bind target ${b.target} is under ${t.split("/")[1] ? "/" + t.split("/")[1] : t}, which netns-lab does not bind into`;
  return undefined;
}

/** The top-level path a target is under (`/app` of `/app/conf/x`, `/note.txt` of itself). Pure. */
export function topOf(target: string): string {
  return `/${target.split("/").filter(Boolean)[0] ?? ""}`;
}

/**
 * Gives the node a root of its own (a tmpfs) holding what the host's / holds as the node sees it,
 * bound, and made its root: a mount point at a new top-level path is then made in it, not on the
 * host. One script, its argument the new root's directory (fixed text: no input reaches a shell).
 */
export const OWN_ROOT = `set -e
r=$1
for p in /* /.[!.]* /..?*; do
  [ -e "$p" ] || [ -L "$p" ] || continue
  n=\${p#/}
  if [ -L "$p" ]; then ln -s "$(readlink "$p")" "$r/$n"
  elif [ -d "$p" ]; then mkdir "$r/$n"; mount --rbind "$p" "$r/$n"
  else : > "$r/$n"; mount --bind "$p" "$r/$n"
  fi
done
mkdir "$r/.netns-lab-old"
cd "$r"
pivot_root . .netns-lab-old
umount -l /.netns-lab-old
rmdir /.netns-lab-old`;

/**
 * Where a bind's mount point comes from (pure), given what this machine has at the target (`at`) and
 * whether it has its top-level path (`top`): "own" (the node's own trees), "host" (there already),
 * "root" (a top-level path this machine lacks: a root of the node's own holds it), or why it cannot be.
 */
export function mountPoint(target: string, sourceIsDir: boolean, at: { isDirectory: boolean } | undefined, top: boolean): "own" | "host" | "root" | { problem: string } {
  if (inOwnTree(target)) return "own";
  if (!at && !top) return "root";
  if (at && at.isDirectory === sourceIsDir) return "host";
  const what = at ? `${target} on this machine is ${at.isDirectory ? "a directory" : "a file"} and the bound ${sourceIsDir ? "one is a directory" : "one is a file"}` : `${target} does not exist on this machine, but ${topOf(target)} does`;
  return { problem: `${what}; outside the node's own /etc, /var, /tmp and /root netns-lab makes a mount point only at a top-level path this machine lacks (it would be made on this machine): bind it there, under one of those, or at a path this machine has` };
}

/** Whether the node's own trees hold `target` (copy-on-write or empty): a mount point made there writes nothing of the host's. */
export function inOwnTree(target: string): boolean {
  return [...OVERLAID, ...EMPTY.map(([d]) => d)].some((d) => target.startsWith(`${d}/`));
}

/**
 * Whether a file bind's mount point is already there in the node's view, just before it is bound
 * (pure, so no process looks): in the node's own empty trees (/tmp, /root, /var/log, /etc/frr)
 * only what netns-lab wrote there is; under a directory bound earlier, what its source holds;
 * elsewhere what the host has (the node's /etc and /var are the host's underneath, outside its own
 * trees it sees the host's). `{ host }`: the host path whose presence decides it.
 */
export function mountPointSeen(target: string, earlier: ReadonlyArray<Bind & { isDir: boolean }>): boolean | { host: string } {
  for (const b of [...earlier].reverse()) {
    if (b.target === target) return true;
    if (b.isDir && target.startsWith(`${b.target}/`)) return { host: b.source + target.slice(b.target.length) };
  }
  if ([...EMPTY.map(([d]) => d), "/etc/frr"].some((d) => target.startsWith(`${d}/`))) return target === "/etc/frr/vtysh.conf";
  return { host: target };
}

/**
 * The mount that holds `path` (the longest mount point above it) is shared: a mount namespace
 * bound under it would propagate into itself (the kernel refuses). Pure: from /proc/self/mountinfo.
 */
export function underSharedMount(mountinfo: string, path: string): boolean {
  let best = "";
  let shared = false;
  for (const l of mountinfo.split("\n").filter(Boolean)) {
    const [fields] = l.split(" - ");
    const at = fields.split(" ")[4];
    const inside = at === "/" || path === at || path.startsWith(at + "/");
    if (inside && at.length >= best.length) [best, shared] = [at, / shared:\d+/.test(fields)];
  }
  return shared;
}

/**
 * Where FS_ROOT is under a shared mount (a host with systemd: / is shared), it is made a private
 * mount of its own, once, as `ip netns` makes /run/netns a mount (and leaves it so). Elsewhere (this
 * machine's /, the sandbox's /run) nothing is mounted.
 */
function privateRoot(x: Executor): Promise<void> {
  // One at a time: nodes made at once would each see FS_ROOT not yet a mount and bind it twice.
  const next = rooting.then(() => makePrivateRoot(x));
  rooting = next.catch(() => undefined);
  return next;
}
let rooting: Promise<unknown> = Promise.resolve();
async function makePrivateRoot(x: Executor): Promise<void> {
  await x.run("mkdir", ["-p", FS_ROOT]);
  const mountinfo = (await x.readFile("/proc/self/mountinfo")) ?? "";
  if (!underSharedMount(mountinfo, `${FS_ROOT}/x`)) return;
  const mounted = mountinfo.split("\n").some((l) => l.split(" ")[4] === FS_ROOT);
  if (!mounted) await x.run("mount", ["--bind", FS_ROOT, FS_ROOT], { doing: `make ${FS_ROOT} a mount of its own` });
  await x.run("mount", ["--make-private", FS_ROOT], { doing: `make ${FS_ROOT} private` });
}

/** Whether the node's mount namespace is there (its file is a bind of one, not a plain file). */
export async function exists(x: Executor, ns: string): Promise<boolean> {
  const [file, dir] = [await x.stat(mountPath(ns)), await x.stat(fsDir(ns))];
  return !!file && !!dir && file.dev !== dir.dev;
}

/** The marker written in the node's directory, if any. */
export async function markerOf(x: Executor, ns: string): Promise<string | undefined> {
  return (await x.readFile(`${fsDir(ns)}/owner`).catch(() => undefined))?.trim() || undefined;
}

/** The CPUs of a list such as /sys/devices/system/cpu/online's ("0-3,6"), in order (pure). */
export function cpuList(text: string): number[] {
  return text.trim().split(",").filter(Boolean).flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    return Number.isInteger(a) ? [...Array((Number.isInteger(b) ? b : a) - a + 1).keys()].map((k) => a + k) : [];
  });
}

/**
 * `unshare --mount=FILE`: a new mount namespace, bound at FILE. The kernel lets a mount namespace
 * be bound only from an older one: from a namespace whose id is smaller (its loop check). Linux
 * 6.18 gives namespaces ids from per-CPU batches, so a namespace made on one CPU can have a smaller
 * id than one made earlier on another: the bind then fails, "Invalid argument", every time on that
 * CPU (here, with 2 CPUs: 40 of 40 from one, 0 of 40 from the other, in a mount namespace of its
 * own; never from the host's first namespace, the oldest). So a refused one is made again on each
 * CPU in turn (`taskset -c N`): on the CPU whose batch holds the binding namespace's id, a later id
 * is larger. Nothing is made by a refused one. Any other failure is said at once.
 * test/integration/nodefs*.test.ts make 12 at once as root, in a sandbox and under a shared /.
 */
async function persistentMountNamespace(x: Executor, ns: string): Promise<void> {
  const unshare = ["unshare", `--mount=${mountPath(ns)}`, "--propagation", "private", "true"];
  const doing = `make the mount namespace of ${ns}`;
  try {
    await x.run(unshare[0], unshare.slice(1), { doing });
    return;
  } catch (e) {
    if (!/Invalid argument/.test((e as Error).message)) throw e;
    const cpus = cpuList((await x.readFile("/sys/devices/system/cpu/online")) ?? "");
    for (const [k, cpu] of cpus.entries()) {
      try {
        await x.run("taskset", ["-c", String(cpu), ...unshare], { doing: `${doing} (on CPU ${cpu})` });
        return;
      } catch (e2) {
        if (k === cpus.length - 1 || !/Invalid argument/.test((e2 as Error).message)) throw e2;
      }
    }
    throw e;
  }
}

/** Makes the node's filesystem view; `undo` gets its removal first (a half-made one is removed). */
export async function make(x: Executor, ns: string, mark: string, binds: Bind[], undo: Array<() => Promise<unknown>>, hostname?: string): Promise<void> {
  const dir = fsDir(ns);
  // Each bind checked before anything is made.
  let ownRoot = false;
  for (const b of binds) {
    const info = await x.stat(b.source);
    if (!info) throw new Error(`cannot bind ${b.source} into node ${ns} at ${b.target}: ${b.source} does not exist`);
    // Outside the node's own trees the mount point is the host's: it must be there already (made, it
    // would be made on the host), unless the host has nothing at its top-level path (a root of the node's own holds it).
    const own = inOwnTree(b.target);
    const at = own ? undefined : await x.stat(b.target);
    const where = mountPoint(b.target, info.isDirectory, at, own || !!at || !!(await x.stat(topOf(b.target))));
    if (typeof where === "object") throw new Error(`cannot bind ${b.source} into node ${ns} at ${b.target}: ${where.problem}`);
    if (where === "root") ownRoot = true;
  }
  await privateRoot(x);
  await x.run("mkdir", ["-p", dir], { doing: `make ${dir}` });
  undo.push(() => remove(x, ns));
  await x.writeFile(`${dir}/owner`, `${mark}\n`, 0o644);
  const parts = OVERLAID.map((d) => d.slice(1));
  await x.run("mkdir", ["-p", "--", ...parts.flatMap((p) => [`${dir}/${p}/upper`, `${dir}/${p}/work`]), `${dir}/stage`]);
  await x.writeFile(mountPath(ns), "");
  await persistentMountNamespace(x, ns);
  const inNode = (file: string, args: string[], doing: string) => x.run(enterNode(ns)[0], [...enterNode(ns).slice(1), file, ...args], { doing: `${doing} (node ${ns})` });
  await inNode("mount", ["-t", "sysfs", "netns-lab-sys", "/sys"], "mount /sys");
  // Staged while the host's paths are still visible: a source under /tmp, /root or /var is the host's.
  const staged: Array<Bind & { at: string; isDir: boolean }> = [];
  for (const [n, b] of binds.entries()) {
    const info = (await x.stat(b.source))!;
    const at = `${dir}/stage/${n}`;
    await (info.isDirectory ? x.run("mkdir", ["-p", at]) : x.writeFile(at, ""));
    await inNode("mount", ["--bind", b.source, at], `stage the bind of ${b.source}`);
    staged.push({ ...b, at, isDir: info.isDirectory });
  }
  for (const [d, p] of OVERLAID.map((d) => [d, d.slice(1)] as const)) {
    await inNode("mount", ["-t", "overlay", "-o", `lowerdir=${d},upperdir=${dir}/${p}/upper,workdir=${dir}/${p}/work`, `netns-lab-${p}`, d], `mount its own ${d}`);
  }
  for (const [d, mode] of EMPTY) await inNode("mount", ["-t", "tmpfs", "-o", `mode=${mode}`, `netns-lab-${d.slice(1)}`, d], `mount its own ${d}`);
  await inNode("mkdir", ["-p", "/etc/frr"], "make /etc/frr");
  await inNode("mount", ["-t", "tmpfs", "-o", "mode=0775", "netns-lab-frr", "/etc/frr"], "mount its own /etc/frr");
  await x.writeFile(`${dir}/stage/vtysh.conf`, "service integrated-vtysh-config\n", 0o644);
  await inNode("cp", [`${dir}/stage/vtysh.conf`, "/etc/frr/vtysh.conf"], "write /etc/frr/vtysh.conf");
  await inNode("chown", ["-R", "frr:frr", "/etc/frr"], "give /etc/frr to FRR's user").catch(() => undefined); // no such user, or not mapped
  if (ownRoot) {
    await x.run("mkdir", ["-p", `${dir}/root`]);
    await inNode("mount", ["-t", "tmpfs", "-o", "mode=0755", "netns-lab-root", `${dir}/root`], "mount its own root");
    await inNode("sh", ["-c", OWN_ROOT, "sh", `${dir}/root`], "make it its root (the host's top-level entries in it)");
  }
  for (const b of staged) {
    const parent = b.target.slice(0, b.target.lastIndexOf("/")) || "/";
    await inNode("mkdir", ["-p", "--", b.isDir ? b.target : parent], `make ${b.target}`);
    // A file's mount point: made where it is missing. Not touched where it is there: in a sandbox, a
    // file of the host's (/etc/hosts in the node's copy of /etc) belongs to an id the sandbox does not
    // map, and touching it is refused (netlab's hosts file failed so as a user who is not root).
    if (!b.isDir) {
      const seen = mountPointSeen(b.target, staged.slice(0, staged.indexOf(b)));
      if (!(typeof seen === "boolean" ? seen : await x.stat(seen.host))) await inNode("touch", ["--", b.target], `make ${b.target}`);
    }
    await inNode("mount", ["--move", b.at, b.target], `bind ${b.source} at ${b.target}`);
    if (b.readOnly) await inNode("mount", ["-o", "remount,bind,ro", b.target], `make ${b.target} read-only`);
  }
  await inNode("mount", ["-t", "tmpfs", "-o", "mode=0755", "netns-lab-run", "/run"], "mount its own /run");
  await inNode("mkdir", ["-p", "/run/frr"], "make /run/frr");
  await inNode("chown", ["frr:frr", "/run/frr"], "give /run/frr to FRR's user").catch(() => undefined); // no such user, or not mapped: FRR cannot run here anyway
  if (hostname) {
    // A UTS namespace kept by a bind (no loop check for these), its host name set inside it.
    await x.writeFile(utsPath(ns), "");
    await x.run("unshare", [`--uts=${utsPath(ns)}`, "hostname", hostname], { doing: `give node ${ns} the host name ${hostname}` });
  }
}

/** Removes the node's filesystem view: the namespace's bind (it ends with the last process in it), then its directory. */
export async function remove(x: Executor, ns: string): Promise<void> {
  const dir = fsDir(ns);
  if (await x.stat(mountPath(ns))) {
    if (await exists(x, ns)) await x.run("umount", [mountPath(ns)], { doing: `release the mount namespace of ${ns}` });
  }
  if (await hasUts(x, ns)) await x.run("umount", [utsPath(ns)], { doing: `release the UTS namespace of ${ns}` });
  // Staged binds a failed create left (mounts in the host's view are never under it: the staging was inside the node).
  if (await x.stat(dir)) await x.run("rm", ["-rf", "--one-file-system", "--", dir], { doing: `remove ${dir}` });
  await x.run("rmdir", [FS_ROOT]).catch(() => undefined); // the last node's: gone (another node's, or a mount point: stays)
}
