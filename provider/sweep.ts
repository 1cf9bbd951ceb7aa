/**
 * Sweep: remove, by their markers, everything one stack made on this machine — what a `destroy`
 * cannot see when the state does not list it. That happens in fast mode (PULUMI_SKIP_CHECKPOINTS:
 * the state is written once, at the end): an `up` killed midway leaves objects the state never
 * recorded. `up` again adopts them (every kind does); `destroy` followed by a sweep removes them.
 * bin/pulumi runs the sweep after every `destroy` of a stack in fast mode (NETNS_LAB_FAST=1).
 *
 * What carries a stack's marker ("netns-lab:<project>/<stack>/<resource>"): a namespace (lo's
 * alias), a process (NETNS_LAB_OWNER in its environment). Everything else a lab makes lives inside
 * its namespaces (links, addresses, routes, bridges, NAT tables, qdiscs) or under a path named by the
 * namespace or the stack (/etc/netns/<namespace>, /run/netns-lab/<project>/<stack>: logs, UTS
 * mounts, run directories' records), files by their records (/run/netns-lab/files), and nodes'
 * own filesystems by the marker in theirs (/run/netns-lab/fs/<namespace>/owner).
 */
import { Executor, local } from "./kernel/exec";
import * as hosts from "./kernel/hosts";
import * as link from "./kernel/link";
import * as netns from "./kernel/netns";
import * as nodefs from "./kernel/nodefs";
import * as proc from "./kernel/proc";
import { FILE_RECORDS, ownerIn, parseFileRecord, parsePendingRecord, PENDING_RECORDS, RUN_DIR_MARK } from "./ownership";

export interface SweepReport {
  namespaces: string[];
  processes: number[];
}

export async function sweep(project: string, stack: string, x: Executor = local): Promise<SweepReport> {
  if (!project || !stack || project.includes("/") || stack.includes("/")) throw new Error(`sweep needs a project and a stack name (got "${project}", "${stack}")`);
  const prefix = `${project}/${stack}/`;
  const report: SweepReport = { namespaces: [], processes: [] };

  // Processes first: one holding a namespace open would keep it alive after `ip netns del`.
  for (const { pid, owner } of await proc.marked(x)) {
    if (!owner.startsWith(prefix)) continue;
    await x.kill(-pid, "SIGKILL").catch(() => x.kill(pid, "SIGKILL").catch(() => undefined));
    report.processes.push(pid);
  }

  const names = await netns.list(x);
  const owners = await Promise.all(names.map(async (ns) => (await link.show(x, ns, "lo").catch(() => undefined))?.ifalias));
  for (const [i, ns] of names.entries()) {
    if (!ownerIn(owners[i])?.startsWith(prefix)) continue;
    await netns.del(x, ns);
    const h = await hosts.read(x, ns).catch(() => undefined);
    if (h) await hosts.remove(x, ns);
    report.namespaces.push(ns);
  }
  // What a killed run made but could not mark, by the records it wrote first (kinds/pending.ts): an
  // unmarked namespace goes (and so what was in it); a link lives in a namespace swept above.
  for (const f of await x.listDir(PENDING_RECORDS).catch(() => [] as string[])) {
    const r = parsePendingRecord(await x.readFile(`${PENDING_RECORDS}/${f}`).catch(() => undefined));
    if (!r?.owner.startsWith(prefix)) continue;
    const ns = /^netns (\S+)$/.exec(r.what)?.[1];
    if (ns && (await netns.exists(x, ns)) && !(await link.show(x, ns, "lo").catch(() => undefined))?.ifalias) {
      await netns.del(x, ns);
      report.namespaces.push(ns);
    }
    await x.removeFile(`${PENDING_RECORDS}/${f}`, "/run/netns-lab");
  }
  // Files the stack wrote, by their records (kinds/file.ts).
  for (const f of await x.listDir(FILE_RECORDS).catch(() => [] as string[])) {
    const r = parseFileRecord(await x.readFile(`${FILE_RECORDS}/${f}`).catch(() => undefined));
    if (!r?.owner.startsWith(prefix)) continue;
    await x.removeFile(r.path, "/run").catch(() => undefined);
    await x.removeFile(`${FILE_RECORDS}/${f}`, "/run/netns-lab");
  }
  // Nodes' own filesystem views (kinds/nodefs.ts), by the marker in their directory.
  for (const ns of await x.listDir(nodefs.FS_ROOT).catch(() => [] as string[])) {
    if (ownerIn(await nodefs.markerOf(x, ns))?.startsWith(prefix)) await nodefs.remove(x, ns).catch(() => undefined);
  }
  await removeTree(x, `/run/netns-lab/${project}/${stack}`, prefix);
  return report;
}

/**
 * Files below dir, then the directories they leave empty (up to /run/netns-lab): logs, UTS
 * namespaces' bind mounts (`.uts`, unmounted first) and run directories' records (`.rundir`: the
 * directory goes too when it carries the stack's mark).
 */
async function removeTree(x: Executor, dir: string, prefix: string): Promise<void> {
  for (const f of await x.listDir(dir).catch(() => [] as string[])) {
    const p = `${dir}/${f}`;
    if (f.endsWith(".uts")) await x.run("umount", [p]).catch(() => undefined);
    if (f.endsWith(".rundir")) {
      const runDir = (await x.readFile(p).catch(() => undefined))?.trim();
      const mark = runDir ? (await x.readFile(`${runDir}/${RUN_DIR_MARK}`).catch(() => undefined))?.trim() : undefined;
      if (runDir && mark?.startsWith(prefix)) await x.run("rm", ["-rf", "--one-file-system", "--", runDir]).catch(() => undefined);
    }
    if ((await x.removeFile(p, "/run/netns-lab").catch(() => "dir")) === "dir") await removeTree(x, p, prefix);
  }
}
