/**
 * The registry's graph (registry.ts): what it notes of each declaration, and the walks over what
 * the declarations wait for — a path through the dependencies found (a cycle), the makers that
 * wait for a resource (so the matching must not wait for them), the resources a value's Outputs
 * come from; and the edges those walks follow, noted on the entries as the registry learns them.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Kind } from "./kinds/kind";
import type { Need, Provide } from "./needs";

type Props = Record<string, unknown>;

export interface Batch {
  dirty: boolean;
  done: boolean;
  settled: Promise<void>;
  n: number;
}

export interface Entry {
  kind: string;
  name: string;
  def: Kind["def"];
  check: Kind["check"];
  args: Props;
  batch: Batch;
  resource?: pulumi.Resource;
  /** The inputs with Outputs resolved and defaults filled; undefined when not known (preview) or not valid. */
  inputs?: Promise<Props | undefined>;
  /** What it depends on, once resolved. */
  deps?: Set<Entry>;
  /** Needs no declared resource provided when it was resolved. */
  unmet?: Need[];
  /** What it makes, once its inputs are known. */
  provides?: Provide[];
  /**
   * The resources its replace-inputs come from as Outputs (property dependencies): the engine
   * already replaces it when one of those is replaced (it diffs it with that input unknown).
   */
  through?: Set<pulumi.Resource>;
  /** The program's own dependsOn, where it is a plain resource or list of them. */
  own?: pulumi.Resource[];
  /** Its place in the order of declaration. */
  seq: number;
  /** Its inputs once resolved (null: unknown or invalid); undefined while they are not. */
  resolved?: Props | null;
  /** The resources its inputs' Outputs come from, and its own dependsOn (known at declaration). */
  sources?: pulumi.Resource[];
  /** The entries that wait for it directly: its resource is among their sources, or it is among their deps. */
  waiters?: Set<Entry>;
}

export const title = (e: Entry) => `${e.kind} "${e.name}"`;

/** Whether `to` is reachable from `from` through resolved dependencies. */
export function reaches(from: Entry, to: Entry, seen = new Set<Entry>()): Entry[] | undefined {
  if (from === to) return [from];
  if (seen.has(from)) return undefined;
  seen.add(from);
  for (const d of from.deps ?? []) {
    const path = reaches(d, to, seen);
    if (path) return [from, ...path];
  }
  return undefined;
}

/** The resources a value's Outputs come from, known without waiting (the SDK's Output#resources). */
export function sourcesOf(v: unknown, into: Set<pulumi.Resource>, depth = 0): Set<pulumi.Resource> {
  if (depth > 8 || v === null || typeof v !== "object") return into;
  if (pulumi.Output.isInstance(v)) {
    for (const r of (v as unknown as { resources?(): Set<pulumi.Resource> }).resources?.() ?? []) into.add(r);
    return into;
  }
  if (pulumi.Resource.isInstance(v)) return into;
  for (const x of Array.isArray(v) ? v : Object.values(v)) sourcesOf(x, into, depth + 1);
  return into;
}

export const entryOf = new WeakMap<pulumi.Resource, Entry>();

/** Notes that `o` waits for each of `on` directly (the edges waitersOf walks back). */
export function noteWaits(o: Entry, on: Iterable<Entry | undefined>): void {
  for (const x of on) if (x && x !== o) (x.waiters ??= new Set()).add(o);
}

/** The sources of a declaration, noted as it is declared (the resources it names are attached by then). */
export function noteSources(o: Entry): void {
  o.sources ??= [...sourcesOf(o.args, new Set()), ...(o.own ?? [])];
  noteWaits(o, o.sources.map((r) => entryOf.get(r)));
}

/**
 * Every entry that cannot register before `e` does, as things stand: one of its inputs is an Output
 * of `e` (or of what waits for `e` the same way), or it depends on `e` (the program's dependsOn, or
 * what the registry found so far). Such a maker can never be what `e` needs (that would be a
 * cycle), and waiting for its inputs would wait forever: the matching skips it. Found by walking the
 * edges back from `e` once — the few that wait for it — instead of asking each pending maker in turn
 * (issue 32: a walk per pending maker per declaration, quadratic in a lab's size).
 */
export function waitersOf(e: Entry): Set<Entry> {
  const out = new Set<Entry>();
  const stack = [e];
  for (let x = stack.pop(); x; x = stack.pop()) {
    for (const w of x.waiters ?? []) {
      if (w === e || out.has(w)) continue;
      out.add(w);
      stack.push(w);
    }
  }
  return out;
}

/**
 * Whether `o` cannot register before `e` does by its own inputs and dependsOn alone (what the
 * registry found for it aside): a maker that waits for `e` only through what the registry found is
 * a cycle, to be reported, not a candidate to skip.
 */
export function waitsForStatically(o: Entry, e: Entry, seen = new Set<Entry>()): boolean {
  if (o === e) return true;
  if (seen.has(o)) return false;
  seen.add(o);
  o.sources ??= [...sourcesOf(o.args, new Set()), ...(o.own ?? [])];
  for (const r of o.sources) {
    if (r === e.resource) return true;
    const x = entryOf.get(r);
    if (x && waitsForStatically(x, e, seen)) return true;
  }
  return false;
}

