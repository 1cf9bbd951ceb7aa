/**
 * The program side of needs and provides (needs.ts): every netns-lab resource a program declares is
 * noted here, and its `dependsOn` gets the resources that make what it needs — whether the program
 * passed plain strings or Outputs, in whatever order it declared them, with or without dependsOn of
 * its own. So the engine creates a namespace before what lives in it and deletes it after; preview
 * shows the same graph; no provider call ever waits for another resource.
 *
 * When: declarations are collected until the program yields to the event loop with nothing new (a
 * turn of `setImmediate` with no declaration: the synchronous part of a program, or each part
 * between two `await`s). Then each resource of that batch is matched against every resource declared
 * so far. A resource declared after an `await` is ordered after what came before it; one that
 * provides what an earlier batch's resource needed (and found nowhere) fails the program, saying
 * which: declare it first, or give the earlier one a dependsOn.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Kind } from "./kinds/kind";
import { describeNeed, describeProvide, Need, Provide, satisfiedBy, satisfies } from "./needs";
import { canonicalCidr } from "./net";
import { Machine, machineKey as keyOfMachine } from "./machine";
import { Batch, Entry, entryOf, noteSources, noteWaits, reaches, title, waitersOf, waitsForStatically } from "./registry-graph";

type Props = Record<string, unknown>;

/** What a resource is registered after, what it is deleted with and replaced with. */
interface Found {
  deps: pulumi.Resource[];
  /**
   * The maker of a namespace the object lives in (`def.namespaces`): deleting it deletes the object
   * in the kernel, so the engine need not (`deletedWith`).
   */
  deletedWith?: pulumi.Resource;
  /**
   * The makers of what holds it — its namespace, its device, the address its gateway is reached
   * through: when one is replaced, the kernel has removed the object (a namespace takes its
   * devices, a device its addresses and routes, an address the routes through it), so it is
   * replaced too (`replaceWith`).
   */
  replaceWith: pulumi.Resource[];
}

/** The needs whose maker, deleted, takes the object with it (see Found.replaceWith). */
const HOLDING: ReadonlyArray<Need["kind"]> = ["namespace", "device", "gateway"];

const entries: Entry[] = [];
/** The entries whose inputs are not resolved yet, by each kind of thing they make (`def.makes`), in order of declaration. */
const unresolved = new Map<Provide["kind"], Set<Entry>>();
/** The entries with needs no resource met (`unmet`), for lateProvider: the others cannot be its concern. */
const withUnmet: Entry[] = [];
/**
 * Resolved entries by what they provide: `machine|kind|scope` (scope: the namespace, the path or
 * the name), so a need looks at the few resources that can meet it rather than every resource
 * declared (issue 32: the matching was O(N×M) awaits and checks).
 */
const index = new Map<string, Entry[]>();
let current: Batch | undefined;
let batches = 0;

function batch(): Batch {
  if (!current || current.done) {
    const b: Batch = { dirty: true, done: false, n: ++batches, settled: undefined as never };
    b.settled = new Promise<void>((resolve) => {
      const check = () => (b.dirty ? ((b.dirty = false), setImmediate(check)) : ((b.done = true), resolve()));
      setImmediate(check);
    });
    current = b;
  }
  current.dirty = true;
  return current;
}

/** Where a thing lives: its machine, or "" for this one. */
const machineKey = (i: Props): string => (i.machine ? keyOfMachine(i.machine as Machine) : "");

async function known(v: unknown): Promise<{ value: unknown; known: boolean }> {
  if (v === undefined) return { value: undefined, known: true };
  const o = pulumi.output(v) as unknown as { promise(): Promise<unknown>; isKnown: Promise<boolean> };
  const [value, isKnown] = await Promise.all([o.promise(), o.isKnown]);
  return { value, known: isKnown };
}

/** The index key of a provide or a need: where, what kind of thing, in which namespace (or which path, which process). */
function keyOf(where: string, kind: Provide["kind"], x: Provide | Need): string {
  return `${where}|${kind}|${"ns" in x ? x.ns : "path" in x ? x.path : (x as { name: string }).name}`;
}

function inputsOf(e: Entry): Promise<Props | undefined> {
  e.inputs ??= (async () => {
    const out: Props = {};
    e.through = new Set();
    for (const [k, v] of Object.entries(e.args)) {
      if (k === "__provider") continue;
      if (pulumi.Output.isInstance(v) && (e.def.replaceOn as readonly string[]).includes(k)) {
        const all = (v as unknown as { allResources?(): Promise<Set<pulumi.Resource>> }).allResources;
        for (const r of all ? await all.call(v) : []) e.through.add(r);
      }
      const r = await known(v);
      if (!r.known) return undefined;
      if (r.value !== undefined) out[k] = r.value;
    }
    const c = await e.check({}, out);
    if (c.failures.length) return undefined; // invalid: check reports it to the engine
    e.provides = e.def.provides(c.inputs as never) as Provide[];
    return c.inputs as Props;
  })()
    .catch(() => undefined)
    .then((i) => {
      e.resolved = i ?? null;
      for (const m of e.def.makes as ReadonlyArray<Provide["kind"]>) unresolved.get(m)?.delete(e);
      if (i) {
        const where = machineKey(i);
        for (const key of new Set(e.provides!.map((p) => keyOf(where, p.kind, p)))) {
          let list = index.get(key);
          if (!list) index.set(key, (list = []));
          list.push(e);
        }
      }
      return i;
    });
  return e.inputs;
}

/**
 * Forgets every declaration (for a new program in the same process: netns-lab/testing runs one
 * inline program after another).
 */
export function resetRegistry(): void {
  entries.length = 0;
  unresolved.clear();
  withUnmet.length = 0;
  index.clear();
  makers.clear();
  current = undefined;
}

/** Things only one resource may make: a second maker is refused (two IpAddress for one address…). */
const EXCLUSIVE: ReadonlyArray<Provide["kind"]> = ["namespace", "device", "address", "file"];
const makers = new Map<string, Entry>();
function claimAll(e: Entry, mine: Props): void {
  for (const p of e.provides ?? []) {
    if (!EXCLUSIVE.includes(p.kind)) continue;
    const key = `${machineKey(mine)}|${JSON.stringify(p.kind === "address" ? { ...p, cidr: canonicalCidr(p.cidr) } : p)}`;
    const other = makers.get(key);
    if (other && other !== e) {
      throw new Error(`netns-lab: ${title(other)} and ${title(e)} both make ${describeProvide(p)}: one object, one resource (remove one, or give it another name)`);
    }
    makers.set(key, e);
  }
}

/** What `e` must come after: the resources, declared so far, that make what it needs. */
async function dependencies(e: Entry): Promise<Found> {
  await e.batch.settled;
  const mine = await inputsOf(e);
  if (mine) claimAll(e, mine);
  const deps = new Set<Entry>();
  const holders = new Set<Entry>();
  const unmet: Need[] = [];
  const where = mine ? machineKey(mine) : "";
  const needs = mine ? e.def.needs(mine as never) : [];
  if (needs.length) {
    // The resources declared so far that make a wanted kind of thing: those whose inputs are not
    // resolved yet are waited for (but never one that waits for this one: #30 item 9, found once by
    // walking back from it), one at a time, each wait skipping all that resolved meanwhile; then each
    // need looks in the index at the few that can meet it.
    const declared = entries.length;
    const wanted = [...new Set(needs.flatMap((n) => satisfiedBy[n.kind]))];
    const waiting = waitersOf(e);
    const skipped = new Set<Entry>();
    for (const k of wanted) for (const o of unresolved.get(k) ?? []) if (waiting.has(o)) skipped.add(o);
    for (;;) {
      let next: Entry | undefined;
      for (const k of wanted) {
        for (const o of unresolved.get(k) ?? []) {
          if (o.seq >= declared) break; // declared after this resource's batch (in order: a Set keeps it)
          if (o !== e && !skipped.has(o)) {
            next = o;
            break;
          }
        }
        if (next) break;
      }
      if (!next) break;
      await inputsOf(next);
    }
    for (const n of needs) {
      const met: Entry[] = [];
      for (const k of satisfiedBy[n.kind]) {
        for (const o of index.get(keyOf(where, k, n)) ?? []) {
          if (o === e || o.seq >= declared || skipped.has(o) || !o.provides!.some((p) => satisfies(p, n)) || waitsForStatically(o, e)) continue;
          met.push(o);
        }
      }
      // Need by need, each need's makers in the order of declaration (the state's lists stay as they were).
      for (const o of met.sort((a, b) => a.seq - b.seq)) {
        deps.add(o);
        if (HOLDING.includes(n.kind)) holders.add(o);
      }
      if (!met.length) unmet.push(n);
    }
  }
  const ordered = [...deps];
  for (const d of ordered) {
    const cycle = reaches(d, e);
    if (cycle) throw new Error(`netns-lab: a dependency cycle: ${[e, ...cycle].map(title).join(" needs ")}; break it (a process's after, a bridge that is its own port…)`);
  }
  e.deps = deps;
  noteWaits(e, deps);
  e.unmet = unmet;
  if (unmet.length) withUnmet.push(e);
  if (mine) lateProvider(e);
  const lives = mine && (e.def.goesWithNamespace?.(mine as never) ?? true) ? e.def.namespaces(mine as never) : [];
  const home = ordered.find((d) => d.provides!.some((p) => p.kind === "namespace" && lives.includes(p.ns)));
  // A holder the object's replace-inputs already come from needs no replaceWith (a component's
  // Outputs): the state stays smaller (each URN is ~110 bytes, in every checkpoint).
  const replaceWith = [...holders].map((d) => d.resource!).filter((r) => !e.through?.has(r));
  return { deps: ordered.map((d) => d.resource!), deletedWith: home?.resource, replaceWith };
}

/** A resource of a later batch that makes what an earlier one needed (and did not find): an error. */
function lateProvider(e: Entry): void {
  const provides = e.provides ?? [];
  for (const o of withUnmet) {
    if (o === e || o.batch.n >= e.batch.n) continue;
    const n = o.unmet!.find((need) => provides.some((p) => satisfies(p, need)));
    if (n && n.kind !== "inside") {
      throw new Error(
        `netns-lab: ${title(e)} makes ${describeNeed(n)}, which ${title(o)} needs, but it was declared after an await that came after ${title(o)}: ` +
          `declare it before that await (or give ${title(o)} dependsOn)`,
      );
    }
  }
}

/**
 * On each resource: a promise that rejects with the registry's refusal of it (two makers of one
 * thing, a cycle, a late maker). The program fails on that refusal anyway (an unhandled rejection of
 * its registration); this is for tests and tools that want to see it.
 */
export const DEPENDENCIES = Symbol.for("netns-lab.dependencies");

/**
 * Notes a resource the program declares and returns the options to register it with: `dependsOn`,
 * the program's own (if any) and the resources that make what it needs; `replaceWith` and
 * `deletedWith`, the makers of the namespaces it lives in (the program's own kept). Call `attach`
 * once constructed.
 *
 * `deletedWith` lets the engine skip the provider's delete of an address, route, cable… when its
 * namespace goes in the same operation (the kernel removes it with the namespace); `replaceWith`
 * replaces it when what holds it is replaced (the engine would otherwise keep a state entry for an
 * object the kernel removed: pulumi/pulumi #23817, fixed after 3.248, and #838 for plain
 * dependencies). What outlives a namespace (processes, files, hosts files) lives in none, so it
 * is never `deletedWith`: its delete always runs.
 */
export function declare(
  kind: string,
  k: Kind,
  name: string,
  args: Props,
  own: pulumi.CustomResourceOptions = {},
): { options: Pick<pulumi.CustomResourceOptions, "dependsOn" | "replaceWith" | "deletedWith">; attach(r: pulumi.Resource): void } {
  const ownDeps = own.dependsOn === undefined ? [] : ([] as unknown[]).concat(own.dependsOn).filter((r): r is pulumi.Resource => pulumi.Resource.isInstance(r));
  const e: Entry = { kind, name, def: k.def, check: k.check, args, batch: batch(), own: ownDeps, seq: entries.length };
  entries.push(e);
  noteSources(e);
  for (const m of new Set(k.def.makes as ReadonlyArray<Provide["kind"]>)) {
    let set = unresolved.get(m);
    if (!set) unresolved.set(m, (set = new Set()));
    set.add(e);
  }
  const found = dependencies(e);
  // The refusal travels through dependsOn; the other options see none of it (one error, not three).
  const quiet = found.catch((): Found => ({ deps: [], replaceWith: [] }));
  // The SDK flattens nested arrays and promises of resources (dependsOn and replaceWith alike).
  const deps = found.then((f) => f.deps);
  const dependsOn = (own.dependsOn === undefined ? [deps] : [own.dependsOn, deps]) as unknown as pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
  const replaceWith = [...(own.replaceWith ?? []), quiet.then((f) => f.replaceWith)] as unknown as pulumi.Resource[];
  // The SDK reads only `deletedWith.urn.promise()`, after awaiting dependsOn: a stand-in whose URN
  // is the namespace's, known once the declarations settle (undefined: none, a plain delete).
  // NETNS_LAB_DELETED_WITH=0: without it, every delete runs (to measure what it saves: bench/README).
  const deletedWith =
    own.deletedWith ??
    (process.env.NETNS_LAB_DELETED_WITH === "0"
      ? undefined
      : ({ urn: { promise: () => quiet.then((f) => (f.deletedWith ? (f.deletedWith.urn as unknown as { promise(): Promise<string> }).promise() : undefined)) } } as unknown as pulumi.Resource));
  return {
    options: { dependsOn, replaceWith, deletedWith },
    attach: (r) => {
      e.resource = r;
      entryOf.set(r, e);
      Object.defineProperty(r, DEPENDENCIES, { value: deps.then(() => undefined) });
    },
  };
}
