/**
 * Every node pings every address of every other node, in parallel; a matrix of the results. For a
 * large lab, a sample: that many pairs picked at random (seeded by the lab, so a rerun checks the
 * same ones) plus the first node with the last, listed instead of a matrix.
 */
import { addressesOf, LabDescription, machineSpec } from "../provider/components/description";
import { contains, parseCidr } from "../provider/net";
import { Executor, local } from "../provider/kernel/exec";
import { nsExec } from "../provider/kernel/ip";
import { sshExecutor } from "../provider/kernel/ssh";
import { UsageError } from "./args";
import { pool, POOL } from "./pool";

export type Cell = "ok" | "fail" | "expected-fail" | "unexpected-ok" | "-";
export interface VerifyResult {
  matrix: Record<string, Record<string, Cell>>;
  unexpected: string[];
  /** Set when only a sample of the pairs was checked: those pairs, in order. */
  sampled?: Array<[string, string]>;
}

type Node = LabDescription["nodes"][number];

/** Where a node's commands run: its machine over SSH, or `x` (this machine). */
export function nodeExecutor(n: Node, x: Executor = local): Executor {
  return n.machine ? sshExecutor(machineSpec(n.machine)) : x;
}

/** The first node with the last, then `n` more distinct pairs of different nodes at random (all pairs if there are fewer). */
export function samplePairs(nodes: Node[], n: number): Array<[Node, Node]> {
  const target = Math.min(n + 1, nodes.length * (nodes.length - 1));
  const picked = new Map<string, [Node, Node]>();
  const add = (a: Node, b: Node) => a !== b && picked.set(`${a.name}>${b.name}`, [a, b]);
  if (nodes.length > 1) add(nodes[0], nodes[nodes.length - 1]);
  let seed = (nodes.length * 2654435761) >>> 0;
  const rand = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 8) % k);
  while (picked.size < target) add(nodes[rand(nodes.length)], nodes[rand(nodes.length)]);
  return [...picked.values()];
}

export function node(lab: LabDescription, name: string): LabDescription["nodes"][number] {
  // By its name, else by its namespace's (what a stack's pingFrom output gives).
  const n = lab.nodes.find((x) => x.name === name) ?? lab.nodes.find((x) => x.namespace === name);
  if (!n) throw new UsageError(`unknown node "${name}": the lab has ${lab.nodes.map((x) => x.name).join(", ")}`);
  return n;
}

const pingOnce = (x: Executor, ns: string, addr: string): Promise<boolean> =>
  nsExec(x, ns, "ping", ["-c", "1", "-W", "1", "-q", addr]).then(() => true, () => false);

/** The addresses to ping a node at: those of its interfaces that are not set down on purpose. */
const addrs = (n: LabDescription["nodes"][number]) => n.interfaces.filter((i) => !i.down).flatMap(addressesOf).map((a) => a.split("/")[0]);

/**
 * The matrix; `expect` adds pairs "A!B" that must not reach, to those the lab declares. At most
 * `limit` pings run at once (a pool sized to the machine).
 */
export async function verify(lab: LabDescription, expect: string[], x: Executor = local, sample?: number, limit = POOL): Promise<VerifyResult> {
  for (const e of expect) {
    const [a, b] = e.split("!");
    if (!a || !b) throw new UsageError(`--expect takes A!B (A must not reach B, a node or a network), got "${e}"`);
    node(lab, a);
    if (!parseCidr(b)) node(lab, b);
  }
  const pairs: Array<[string, string]> = [...(lab.expectUnreachable ?? []), ...expect.map((e) => e.split("!") as [string, string])];
  // Must `src` not reach this address of `dst`? By the node's name, or a network holding the address.
  const mustNot = (src: string, dst: string, addr: string) =>
    pairs.some(([a, b]) => a === src && (b === dst || (parseCidr(b) !== undefined && contains(b, addr))));
  const matrix: VerifyResult["matrix"] = {};
  const unexpected: string[] = [];
  const jobs: Array<() => Promise<void>> = [];
  const reachable = lab.nodes.filter((n) => addrs(n).length > 0);
  const pairsToCheck: Array<[Node, Node]> = sample
    ? samplePairs(reachable, sample)
    : lab.nodes.flatMap((src) => lab.nodes.map((dst) => [src, dst] as [Node, Node]));
  for (const [src, dst] of pairsToCheck) {
    matrix[src.name] ??= {};
    if (src === dst || addrs(src).length === 0 || addrs(dst).length === 0) {
      matrix[src.name][dst.name] = "-";
      continue;
    }
    const targets = addrs(dst);
    jobs.push(() =>
      Promise.all(targets.map((a) => pingOnce(nodeExecutor(src, x), src.namespace, a))).then((rs) => {
        const barred = targets.map((a) => mustNot(src.name, dst.name, a));
        const cell: Cell = rs.some((r, n) => r && barred[n])
          ? "unexpected-ok"
          : rs.some((r, n) => !r && !barred[n])
            ? "fail"
            : barred.every(Boolean)
              ? "expected-fail"
              : "ok";
        matrix[src.name][dst.name] = cell;
        // When the addresses of the pair fared differently, say which did what.
        const each = rs.some((r) => r !== rs[0]) ? ` (${targets.map((a, n) => `${a} ${rs[n] ? "reached" : "not reached"}`).join(", ")})` : "";
        if (cell === "fail" || cell === "unexpected-ok") unexpected.push(`${src.name} -> ${dst.name}: ${cell}${each}`);
      }),
    );
  }
  // Each pair pings all the addresses of its target at once: fewer pairs at a time, so that the
  // bound holds per ping.
  await pool(jobs, Math.max(1, Math.floor(limit / Math.max(1, ...lab.nodes.map((n) => addrs(n).length)))));
  return { matrix, unexpected, ...(sample ? { sampled: pairsToCheck.map(([a, b]) => [a.name, b.name] as [string, string]) } : {}) };
}

export function renderMatrix(lab: LabDescription, r: VerifyResult): string {
  if (r.sampled) {
    const lines = r.sampled.map(([a, b]) => `${a} -> ${b}: ${r.matrix[a][b]}`);
    lines.push(`\n${r.sampled.length} of ${lab.nodes.length * (lab.nodes.length - 1)} pairs checked; ${r.unexpected.length ? `${r.unexpected.length} unexpected` : "all as expected"}`);
    return lines.join("\n");
  }
  const names = lab.nodes.map((n) => n.name);
  const w = Math.max(6, ...names.map((n) => n.length)) + 1;
  const sym: Record<Cell, string> = { ok: "ok", fail: "FAIL", "expected-fail": "x (expected)", "unexpected-ok": "OK?!", "-": "-" };
  const cw = Math.max(w, 13);
  const lines = [["from \\ to".padEnd(w), ...names.map((n) => n.padEnd(cw))].join(" ")];
  for (const s of names) lines.push([s.padEnd(w), ...names.map((d) => sym[r.matrix[s][d]].padEnd(cw))].join(" "));
  lines.push(r.unexpected.length ? `\n${r.unexpected.length} unexpected: ${r.unexpected.join("; ")}` : "\nall as expected");
  return lines.join("\n");
}
