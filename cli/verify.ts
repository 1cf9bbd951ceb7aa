/** Every node pings every address of every other node, in parallel; a matrix of the results. */
import { addressesOf, LabDescription } from "../provider/components/description";
import { contains, parseCidr } from "../provider/net";
import { Executor, local } from "../provider/kernel/exec";
import { nsExec } from "../provider/kernel/ip";
import { UsageError } from "./args";

export type Cell = "ok" | "fail" | "expected-fail" | "unexpected-ok" | "-";
export interface VerifyResult {
  matrix: Record<string, Record<string, Cell>>;
  unexpected: string[];
}

export function node(lab: LabDescription, name: string): LabDescription["nodes"][number] {
  const n = lab.nodes.find((x) => x.name === name);
  if (!n) throw new UsageError(`unknown node "${name}": the lab has ${lab.nodes.map((x) => x.name).join(", ")}`);
  return n;
}

const pingOnce = (x: Executor, ns: string, addr: string): Promise<boolean> =>
  nsExec(x, ns, "ping", ["-c", "1", "-W", "1", "-q", addr]).then(() => true, () => false);

/** The addresses to ping a node at: those of its interfaces that are not set down on purpose. */
const addrs = (n: LabDescription["nodes"][number]) => n.interfaces.filter((i) => !i.down).flatMap(addressesOf).map((a) => a.split("/")[0]);

/** The matrix; `expect` adds pairs "A!B" that must not reach, to those the lab declares. */
export async function verify(lab: LabDescription, expect: string[], x: Executor = local): Promise<VerifyResult> {
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
  const jobs: Promise<void>[] = [];
  for (const src of lab.nodes) {
    matrix[src.name] = {};
    for (const dst of lab.nodes) {
      if (src === dst || addrs(src).length === 0 || addrs(dst).length === 0) {
        matrix[src.name][dst.name] = "-";
        continue;
      }
      const targets = addrs(dst);
      jobs.push(
        Promise.all(targets.map((a) => pingOnce(x, src.namespace, a))).then((rs) => {
          const barred = targets.map((a) => mustNot(src.name, dst.name, a));
          const cell: Cell = rs.some((r, n) => r && barred[n])
            ? "unexpected-ok"
            : rs.some((r, n) => !r && !barred[n])
              ? "fail"
              : barred.every(Boolean)
                ? "expected-fail"
                : "ok";
          matrix[src.name][dst.name] = cell;
          if (cell === "fail" || cell === "unexpected-ok") unexpected.push(`${src.name} -> ${dst.name}: ${cell}`);
        }),
      );
    }
  }
  await Promise.all(jobs);
  return { matrix, unexpected };
}

export function renderMatrix(lab: LabDescription, r: VerifyResult): string {
  const names = lab.nodes.map((n) => n.name);
  const w = Math.max(6, ...names.map((n) => n.length)) + 1;
  const sym: Record<Cell, string> = { ok: "ok", fail: "FAIL", "expected-fail": "x (expected)", "unexpected-ok": "OK?!", "-": "-" };
  const cw = Math.max(w, 13);
  const lines = [["from \\ to".padEnd(w), ...names.map((n) => n.padEnd(cw))].join(" ")];
  for (const s of names) lines.push([s.padEnd(w), ...names.map((d) => sym[r.matrix[s][d]].padEnd(cw))].join(" "));
  lines.push(r.unexpected.length ? `\n${r.unexpected.length} unexpected: ${r.unexpected.join("; ")}` : "\nall as expected");
  return lines.join("\n");
}
