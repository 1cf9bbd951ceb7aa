/**
 * nftables: one table per NAT resource in a namespace, named from its owner, holding a postrouting
 * nat chain with one rule that carries the owner's marker as its comment. Written whole in one
 * atomic `nft -f` transaction.
 */
import { createHash } from "crypto";
import { Executor } from "./exec";
import { nsExec } from "./ip";

export interface SourceNat {
  family: 4 | 6;
  /** The source network, e.g. 192.168.1.0/24. */
  source: string;
  outInterface: string;
  /** SNAT to this address; unset: masquerade. */
  to?: string;
}

/** The table name of an owner's NAT: `netns_lab_` and 12 hex digits of its hash. */
export const tableOf = (owner: string): string => `netns_lab_${createHash("sha256").update(owner).digest("hex").slice(0, 12)}`;
const fam = (f: 4 | 6) => (f === 4 ? "ip" : "ip6");
const q = (s: string) => JSON.stringify(s); // nft strings are double-quoted; names are validated before

/** The script that (re)writes the table with its one rule, atomically. */
export function natScript(table: string, marker: string, n: SourceNat): string {
  const f = fam(n.family);
  return [
    `table ${f} ${table} {}`,
    `flush table ${f} ${table}`,
    `table ${f} ${table} {`,
    `  chain postrouting {`,
    `    type nat hook postrouting priority srcnat; policy accept;`,
    `    ${f} saddr ${n.source} oifname ${q(n.outInterface)} ${n.to ? `snat to ${n.to}` : "masquerade"} comment ${q(marker)}`,
    `  }`,
    `}`,
  ].join("\n") + "\n";
}

export async function write(x: Executor, ns: string, table: string, marker: string, n: SourceNat): Promise<void> {
  await nsExec(x, ns, "nft", ["-f", "-"], { input: natScript(table, marker, n), doing: `write NAT table ${table} in ${ns}` });
}

interface NftRule {
  rule?: {
    comment?: string;
    expr?: Array<{
      match?: { left?: { payload?: { field?: string }; meta?: { key?: string } }; right?: unknown };
      masquerade?: unknown;
      snat?: { addr?: string };
    }>;
  };
  table?: { name: string };
}

/** The table's rules as netns-lab reads them back, or null when the table is gone. */
export async function read(x: Executor, ns: string, table: string, family: 4 | 6): Promise<Array<{ marker?: string; nat?: Omit<SourceNat, "family"> }> | null> {
  let out: string;
  try {
    out = await nsExec(x, ns, "nft", ["-j", "list", "table", fam(family), table], { doing: `read NAT table ${table} in ${ns}` });
  } catch (e) {
    if (/No such file or directory|does not exist/i.test((e as Error).message)) return null;
    throw e;
  }
  const items = (JSON.parse(out).nftables ?? []) as NftRule[];
  return items.filter((i) => i.rule).map(({ rule }) => {
    let source: string | undefined, outInterface: string | undefined, to: string | undefined, masquerade = false;
    for (const e of rule!.expr ?? []) {
      if (e.match?.left?.payload?.field === "saddr") {
        const r = e.match.right as { prefix?: { addr: string; len: number } } | string;
        source = typeof r === "string" ? r : r.prefix ? `${r.prefix.addr}/${r.prefix.len}` : undefined;
      }
      if (e.match?.left?.meta?.key === "oifname") outInterface = String(e.match.right);
      if (e.snat) to = e.snat.addr;
      if (e.masquerade !== undefined) masquerade = true;
    }
    const nat = source && outInterface && (to || masquerade) ? { source, outInterface, ...(to ? { to } : {}) } : undefined;
    return { marker: rule!.comment, nat };
  });
}

export async function remove(x: Executor, ns: string, table: string, family: 4 | 6): Promise<void> {
  await nsExec(x, ns, "nft", ["delete", "table", fam(family), table], { doing: `delete NAT table ${table} in ${ns}` });
}
