/**
 * The lab live: per node its interfaces and addresses as the kernel has them, routes that netns-lab
 * did not make, and drift. Drift is decided by the kinds themselves: each resource of the stack is
 * read back with its kind's own `read` and compared with its kind's own `diff`, exactly what
 * `pulumi refresh` followed by `pulumi preview` would conclude.
 */
import type { LabDescription } from "../provider/components/description";
import { Executor, local } from "../provider/kernel/exec";
import { nodeExecutor } from "./verify";
import * as addr from "../provider/kernel/addr";
import * as link from "../provider/kernel/link";
import * as netns from "../provider/kernel/netns";
import { ipJson } from "../provider/kernel/ip";
import * as proc from "../provider/kernel/proc";
import { ROUTE_PROTOCOL } from "../provider/ownership";
import { kind } from "../provider/runtime";
import type { StateResource } from "./stack";
import { pool, POOL } from "./pool";

export interface Drift {
  resource: string;
  kind: string;
  namespace?: string;
  /** "missing", or the inputs that differ. */
  what: string;
}

const nsOf = (r: StateResource): string | undefined => r.inputs.namespace ?? (r.kind === "NetNamespace" ? r.inputs.name : undefined);

/** The resources whose kernel object is gone or differs from the stack, by the kinds' own rules. */
export async function drifts(resources: StateResource[], limit = POOL): Promise<Drift[]> {
  const found = await pool(
    resources.map((r) => async (): Promise<Drift | undefined> => {
      const k = kind(r.kind);
      const now = await k.read(r.id, r.outputs);
      const base = { resource: r.name, kind: r.kind, namespace: nsOf(r) };
      if (!now.id) return { ...base, what: "missing" };
      const d = await k.diff(r.id, now.props!, r.inputs);
      if (!d.changes) return undefined;
      const fields = [...d.replaces, ...(d.updates ?? [])];
      return { ...base, what: fields.map((f) => `${f} is ${JSON.stringify(now.props![f]) ?? "unset"}, the stack says ${JSON.stringify(r.inputs[f])}`).join("; ") };
    }),
    limit,
  );
  return found.filter((d): d is Drift => d !== undefined);
}

interface RouteJ {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}

/** The status text and the number of drifted resources. */
export async function status(lab: LabDescription, resources: StateResource[], local0: Executor = local): Promise<{ text: string; drift: number }> {
  const drift = await drifts(resources);
  const out: string[] = [];
  const shown = new Set<Drift>();
  for (const n of lab.nodes) {
    const x = nodeExecutor(n, local0);
    const mine = drift.filter((d) => d.namespace === n.namespace);
    mine.forEach((d) => shown.add(d));
    if (!(await netns.exists(x, n.namespace))) {
      out.push(`${n.name} (${n.role}, namespace ${n.namespace}${n.machine ? `, on ${n.machine.name}` : ""}): namespace MISSING`);
    } else {
      out.push(`${n.name} (${n.role}, namespace ${n.namespace}${n.machine ? `, on ${n.machine.name}` : ""})`);
      const [links, addrs, routes] = await Promise.all([link.list(x, n.namespace), addr.list(x, n.namespace), ipJson<RouteJ[]>(x, n.namespace, ["route", "show"])]);
      for (const i of n.interfaces) {
        const l = links.find((y) => y.ifname === i.name);
        const have = addrs.filter((a) => a.device === i.name && a.scope !== "link" && !(i.name === "lo" && a.scope === "host")).map((a) => a.cidr);
        out.push(l ? `  ${i.name.padEnd(16)} ${l.operstate.padEnd(5)} mtu ${l.mtu}  ${have.join(" ") || "(no address)"}` : `  ${i.name.padEnd(16)} (no such interface)`);
      }
      for (const nat of n.nat ?? []) out.push(`  nat ${nat.source} out ${nat.out} ${nat.to ? `snat to ${nat.to}` : "masquerade"}`);
      out.push(...(await processes(x, n.namespace, resources)));
      for (const r of routes.filter((y) => y.protocol !== "kernel" && y.protocol !== ROUTE_PROTOCOL)) {
        out.push(`  route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ""}${r.dev ? ` dev ${r.dev}` : ""} (proto ${r.protocol ?? "boot"}: not made by netns-lab)`);
      }
    }
    for (const d of mine) out.push(`  DRIFT ${d.kind} ${d.resource}: ${d.what}`);
  }
  for (const d of drift.filter((y) => !shown.has(y))) out.push(`DRIFT ${d.kind} ${d.resource}: ${d.what}`);
  out.push(drift.length ? `\n${drift.length} resource(s) differ from the stack: \`bin/pulumi refresh\` records them, \`bin/pulumi up\` repairs them` : "\nmatches the stack");
  return { text: out.join("\n"), drift: drift.length };
}

/**
 * A process's namespaces as the kernel names them, each marked as the node's (its network
 * namespace), the host's (shared with PID 1), or its own.
 */
export function namespaceLine(mine: Record<string, string>, host: Record<string, string>, nodeNet?: number): string {
  return Object.entries(mine)
    .map(([t, v]) => `${v} (${t === "net" && nodeNet !== undefined && v === `net:[${nodeNet}]` ? "node" : v === host[t] ? "host" : "own"})`)
    .join(" ");
}

/**
 * The processes of a node: ours (the stack's Process resources there), alive or dead, and every
 * other process whose network namespace is the node's (a shell someone opened there, say).
 */
async function processes(x: Executor, ns: string, resources: StateResource[]): Promise<string[]> {
  const lines: string[] = [];
  const ours = resources.filter((r) => r.kind === "Process" && r.inputs.namespace === ns);
  const seen = new Set<number>();
  const inode = await netns.inode(x, ns);
  // The host's: those netns-lab itself runs in (PID 1 may be a container's init, in namespaces of its own).
  const host = ours.length ? await proc.namespacesOf(x, "self") : {};
  for (const r of ours) {
    const o = r.outputs;
    const up = o.pid && o.startTime && (await proc.alive(x, o.pid, o.startTime, o.owner));
    if (up) seen.add(o.pid);
    lines.push(`  process ${r.name}: ${up ? `running, pid ${o.pid}` : "NOT RUNNING"} (${(r.inputs.command ?? []).join(" ")}; log ${o.logFile})`);
    if (up) lines.push(`    namespaces ${namespaceLine(await proc.namespacesOf(x, o.pid), host, inode)}`);
  }
  for (const pid of await proc.all(x)) {
    if (seen.has(pid) || (await proc.netnsInode(x, pid)) !== inode) continue;
    const owner = await proc.ownerOf(x, pid);
    if (owner && ours.some((r) => r.inputs.owner === owner)) continue; // a child of one of ours
    lines.push(`  other process ${pid}: ${(await proc.cmdline(x, pid)).join(" ")}${owner ? ` (started for ${owner})` : ""}`);
  }
  return lines;
}
