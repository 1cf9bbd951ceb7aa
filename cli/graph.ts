/** The lab's topology as Mermaid, Graphviz DOT or SVG: pure functions of its description. */
import type { LabDescription } from "../provider/components/description";
import { networkOf } from "../provider/net";

const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");
const subnetOf = (addr?: string) => (addr ? networkOf(addr) : "");
const shapes: Record<string, { dot: string; mermaid: [string, string] }> = {
  host: { dot: "box", mermaid: ["[", "]"] },
  router: { dot: "ellipse", mermaid: ["((", "))"] },
  switch: { dot: "hexagon", mermaid: ["{{", "}}"] },
};
const shape = (role: string) => shapes[role] ?? shapes.host;

export function mermaid(lab: LabDescription): string {
  const lines = ["graph LR"];
  for (const n of lab.nodes) {
    const [l, r] = shape(n.role).mermaid;
    lines.push(`  ${id(n.name)}${l}"${n.name}<br/>${n.role}"${r}`);
  }
  for (const l of lab.links) {
    const [a, b] = l.ends;
    const label = `${a.interface} ${a.address ?? "-"}<br/>${subnetOf(a.address ?? b.address)}<br/>${b.interface} ${b.address ?? "-"}`;
    lines.push(`  ${id(a.node)} ---|"${label}"| ${id(b.node)}`);
  }
  return lines.join("\n") + "\n";
}

export function dot(lab: LabDescription): string {
  const q = (s: string) => `"${s.replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  const lines = [`graph ${q(lab.name)} {`, "  rankdir=LR; ranksep=0.4;", '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const n of lab.nodes) {
    lines.push(`  ${q(n.name)} [label=${q(`${n.name}\n${n.role}`)}, shape=${shape(n.role).dot}, tooltip=${q(n.namespace)}];`);
  }
  for (const l of lab.links) {
    const [a, b] = l.ends;
    // One label per cable, read left to right: the left end, the subnet, the right end.
    const end = (e: { interface: string; address?: string }) => `${e.interface} ${e.address ?? "(no address)"}`;
    lines.push(`  ${q(a.node)} -- ${q(b.node)} [label=${q(`${end(a)}\n[ ${subnetOf(a.address ?? b.address)} ]\n${end(b)}`)}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** SVG from the DOT text, rendered by Graphviz compiled to WebAssembly (no browser, no system Graphviz). */
export async function svg(lab: LabDescription): Promise<string> {
  const viz = await (require("@viz-js/viz") as { instance(): Promise<{ renderString(src: string, o: { format: string }): string }> }).instance();
  return viz.renderString(dot(lab), { format: "svg" });
}
