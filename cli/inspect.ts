/**
 * `netns-lab inspect`: the lab's nodes as containerlab's `inspect` lists its containers — name (its
 * namespace), role, state (the namespace there or not, read live), its management addresses (a lab
 * from a containerlab file: eth0's, from the stack) and the lab's own addresses.
 */
import type { LabDescription } from "../provider/components/description";
import { addressesOf } from "../provider/components/description";
import { Executor, local } from "../provider/kernel/exec";
import * as netns from "../provider/kernel/netns";
import type { StateResource } from "./stack";
import { nodeExecutor } from "./verify";

/** One row of the table. */
export interface InspectRow {
  name: string;
  namespace: string;
  role: string;
  state: "running" | "missing";
  ipv4: string;
  ipv6: string;
  addresses: string;
}

/** The rows (pure but for `exists`, which says whether a node's namespace is there). */
export async function inspectRows(lab: LabDescription, resources: StateResource[], exists: (n: LabDescription["nodes"][number]) => Promise<boolean>): Promise<InspectRow[]> {
  const mgmt = (node: string, v6: boolean) => String(resources.find((r) => r.kind === "IpAddress" && r.name === `${node}-mgmt-address${v6 ? "-v6" : ""}`)?.inputs.address ?? "");
  return Promise.all(
    lab.nodes.map(async (n) => ({
      name: n.name,
      namespace: n.namespace,
      role: n.role,
      state: (await exists(n)) ? ("running" as const) : ("missing" as const),
      ipv4: mgmt(n.name, false),
      ipv6: mgmt(n.name, true),
      addresses: n.interfaces.filter((i) => i.name !== "lo").flatMap(addressesOf).join(" "),
    })),
  );
}

/** The rows as a table with a header, columns padded (pure). */
export function inspectTable(rows: InspectRow[]): string {
  const head = ["NAME", "NAMESPACE", "ROLE", "STATE", "MGMT IPV4", "MGMT IPV6", "ADDRESSES"];
  const cells = rows.map((r) => [r.name, r.namespace, r.role, r.state, r.ipv4 || "-", r.ipv6 || "-", r.addresses || "-"]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [head, ...cells].map((c) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]))).join("  ")).join("\n");
}

/** The table of a deployed lab, each namespace looked for on its machine. */
export async function inspect(lab: LabDescription, resources: StateResource[], x: Executor = local): Promise<string> {
  return inspectTable(await inspectRows(lab, resources, (n) => netns.exists(nodeExecutor(n, x), n.namespace)));
}
