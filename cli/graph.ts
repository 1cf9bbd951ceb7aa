/** The lab's topology as Mermaid, Graphviz DOT or SVG: pure functions of its description. */
import { addressesOf, LabDescription } from "../provider/components/description";
import { networkOf } from "../provider/net";

const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");
type Node = LabDescription["nodes"][number];
type End = LabDescription["links"][number]["ends"][number];
/** A node's second line: its role, its loopbacks, its NAT. */
const detail = (n: Node, nl: string) =>
  [n.role, ...n.interfaces.filter((i) => i.name === "lo").flatMap(addressesOf).map((a) => `lo ${a}`), ...(n.nat ?? []).map((x) => `NAT ${x.source} → ${x.out}`)].join(nl);
const endText = (e: End, none: string) => `${e.interface} ${addressesOf(e).join(" ") || none}`;
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
    lines.push(`  ${id(n.name)}${l}"${n.name}<br/>${detail(n, "<br/>")}"${r}`);
  }
  for (const l of lab.links) {
    const [a, b] = l.ends;
    const label = `${endText(a, "-")}<br/>${subnetOf(a.address ?? b.address)}<br/>${endText(b, "-")}`;
    lines.push(`  ${id(a.node)} ---|"${label}"| ${id(b.node)}`);
  }
  return lines.join("\n") + "\n";
}

export function dot(lab: LabDescription): string {
  const q = (s: string) => `"${s.replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  const lines = [`graph ${q(lab.name)} {`, "  rankdir=LR; ranksep=0.4;", '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const n of lab.nodes) {
    lines.push(`  ${q(n.name)} [label=${q(`${n.name}\n${detail(n, "\n")}`)}, shape=${shape(n.role).dot}, tooltip=${q(n.namespace)}];`);
  }
  for (const l of lab.links) {
    const [a, b] = l.ends;
    // One label per cable, read left to right: the left end, the subnet, the right end.
    lines.push(`  ${q(a.node)} -- ${q(b.node)} [label=${q(`${endText(a, "(no address)")}\n[ ${subnetOf(a.address ?? b.address)} ]\n${endText(b, "(no address)")}`)}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** SVG from the DOT text, rendered by Graphviz compiled to WebAssembly (no browser, no system Graphviz). */
export async function svg(lab: LabDescription): Promise<string> {
  const viz = await (require("@viz-js/viz") as { instance(): Promise<{ renderString(src: string, o: { format: string }): string }> }).instance();
  return viz.renderString(dot(lab), { format: "svg" });
}
