/**
 * The kind template. A kind is declared once, with `defineKind`: its inputs as zod fields, its
 * outputs, which inputs replace and which update in place, and its kernel operations. From that
 * declaration come the provider methods the engine calls (check, diff, create, read, update, delete)
 * and, in resources.ts, the typed resource class users write.
 *
 * Written once here, for every kind:
 * - check: field by field (preview names the property), values not known yet skipped, defaults
 *   filled, unknown properties refused, then the kind's cross-field rules. Pure: no kernel, no root.
 * - diff: from inputs only (never the serialized provider); replacements delete first.
 * - the privilege check, before the first change to the kernel (create, update, delete);
 * - the namespace guard: a create in a namespace that does not exist fails clearly; a read or
 *   delete whose namespace is gone finds the object gone with it;
 * - adopt-or-refuse: when the kernel says the object exists, the marker on it decides: ours (left
 *   by an interrupted run) is adopted, another resource's or a stranger's is refused with a typed
 *   error (ownership.ts); delete touches only what carries our marker;
 * - rollback: a create that fails midway undoes the steps it registered, last first.
 * The privilege check, the namespace guard and the rollback are lifecycle.ts's.
 */
import { z } from "zod";
import { Executor, KernelError, local } from "../kernel/exec";
import { claim, marker, refuse } from "../ownership";
import { providerChanged } from "../shim";
import { machineSchema } from "../machine";
import { CheckFailure, Props, Provider } from "./provider";
import { checkFields, containsUnknown, same } from "./check";
import { Need, Provide } from "../needs";

export * from "./provider";
export { checkFields, same } from "./check";
export { executorFor, goneWithNamespace, noNamespace, rollback } from "./lifecycle";
import { executorFor, goneWithNamespace, missingNamespace, noNamespace, requirePrivileges, rollback, Undo } from "./lifecycle";

/** What a kind's kernel operations get: where to run, and whose marker to set. */
export interface Ctx {
  x: Executor;
  /** `<project>/<stack>/<resource>` */
  owner: string;
  /** The marker text of that owner. */
  mark: string;
}

/** Steps that undo a partial create, registered as it goes. */
export type { Undo } from "./lifecycle";

/**
 * What stands where the object should be, found after the kernel said "exists": the marker on it
 * (undefined: unmarked) and how to name it in an error.
 */
export interface Found {
  marker?: string;
  what: string;
  where?: string;
  hint?: string;
}

type Shape = z.ZodRawShape;
/** The inputs as the implementation sees them: validated, defaults filled, with the owner. */
export type InputsOf<S extends Shape> = z.output<z.ZodObject<S>> & { owner: string };
/** The inputs as a program writes them (optional fields optional, defaults optional). */
export type ArgsOf<S extends Shape> = z.input<z.ZodObject<S>>;

export interface KindDef<S extends Shape, O extends Props> {
  /** Input fields. Optional fields (`.optional()`, `.default()`) may be left out. */
  inputs: S;
  /** Output-only fields (what the kernel reports), for the resource class. */
  outputs: { [K in keyof O]: z.ZodType<O[K]> };
  /** Inputs whose change replaces the object. */
  replaceOn: ReadonlyArray<keyof S & string>;
  /** Inputs updated in place (the owner always is). */
  inPlace: ReadonlyArray<keyof S & string>;
  /**
   * When an input counts as unchanged. Default: replace inputs compare deeply; an in-place input
   * left unset is not managed (never a change), else it compares deeply.
   */
  same?: Partial<Record<keyof S & string, (old: any, now: any, olds: Props) => boolean>>;
  /** Inputs to replace besides those that changed (e.g. a pair found broken by read; a Command's create line when it has no update line). */
  alsoReplace?(olds: Props, news: Props): string[];
  /** The input that defaults to the resource's name, if any. */
  nameInput?: keyof S & string;
  /** Rules across fields, given every field valid and known. */
  refine?(i: InputsOf<S>): CheckFailure[];
  /** The namespaces the object lives in (the guard's business). */
  namespaces(i: InputsOf<S>): string[];
  /**
   * Whether the kernel removes the object with its namespace, so that the engine may skip its delete
   * (`deletedWith`); default yes for what lives in a namespace. A Command with a delete line: no.
   */
  goesWithNamespace?(i: InputsOf<S>): boolean;
  /**
   * What the object makes that others may need (needs.ts): pure, from the inputs alone. The program
   * side orders resources by it; the kinds of thing it can make are listed in `makes`.
   */
  provides(i: InputsOf<S>): Provide[];
  /** The kinds of thing `provides` can return (so the program side looks only at these kinds). */
  makes: ReadonlyArray<Provide["kind"]>;
  /** What must exist before the object is made (and must outlive it): pure, from the inputs alone. */
  needs(i: InputsOf<S>): Need[];
  /** What the object is called in messages, e.g. `veth pair a:x <-> b:y`. */
  title(i: InputsOf<S>): string;
  id(i: InputsOf<S>): string;
  /** Makes the object. Throws a KernelError of kind "exists" when its place is taken. */
  create(c: Ctx, i: InputsOf<S>, undo: Undo): Promise<Props>;
  /**
   * What is in the way of a create that the kernel refused with "exists", and what a delete would
   * remove: null if nothing is there. Kinds without it (settings such as forwarding) never meet
   * "exists", and their delete needs no ownership check beyond the namespace.
   */
  found?(c: Ctx, i: InputsOf<S>, why: "create" | "delete"): Promise<Found | null>;
  /**
   * How an owner change (a stack renamed, a resource renamed with `aliases`) re-marks the object:
   * "update" — `update` does it (it compares the old owner with the new); "replace" — it cannot be
   * re-marked (a running program's environment), so it is replaced; "unmarked" — it carries no
   * marker of its owner (a route's protocol is every stack's); or a function that moves the marker
   * (called instead of `update` when only the owner changed, before it otherwise).
   */
  remark: "update" | "replace" | "unmarked" | ((c: Ctx, olds: InputsOf<S> & Partial<O>, news: InputsOf<S>) => Promise<void>);
  /** Converges an object of ours, left by an interrupted run, to the inputs. */
  adopt?(c: Ctx, i: InputsOf<S>, undo: Undo): Promise<Props>;
  /**
   * Removes what another resource of this stack made in the object's place, then makes the object:
   * only for inputs with `supersede: true`, which a component sets when it has checked that no two
   * of its resources claim one name — so the other resource is one the same update removes or
   * replaces (the engine deletes removed resources last, after the creates). Its own delete then
   * finds the place taken by another marker and leaves it alone.
   */
  supersede?(c: Ctx, i: InputsOf<S>, undo: Undo): Promise<Props>;
  /** The object as the kernel has it, or undefined when it is gone (or not ours any more). */
  read(c: Ctx, props: InputsOf<S> & Partial<O>): Promise<Props | undefined>;
  update(c: Ctx, olds: InputsOf<S> & Partial<O>, news: InputsOf<S>): Promise<Props>;
  /** Removes the object, known to be ours. */
  delete(c: Ctx, props: InputsOf<S> & Partial<O>): Promise<void>;
}

/** A declared kind: its definition and the provider made from it. */
export interface Kind<S extends Shape = Shape, O extends Props = Props> extends Provider {
  readonly def: KindDef<S, O>;
}

const owner = z.string().min(1).max(200);

/** Every kind's `machine`: where its object lives (absent: this machine). Part of its identity. */
export const machine = machineSchema.optional();

/** What a resource's object lives in now (Executor.home): recorded at create, update and read; another at diff replaces it. */
const homeOf = (props: Props): string | undefined => (props.machine ? undefined : local.home?.());

const ctxOf = (props: Props): Ctx => ({ x: executorFor(props), owner: props.owner, mark: marker(props.owner) });

/** Declares a kind: the provider methods come from the definition. */
export function defineKind<S extends Shape, O extends Props>(def: KindDef<S, O>): Kind<S, O> {
  const fields = { ...def.inputs, owner, machine } as unknown as Record<string, z.ZodType>;
  const unchanged = (k: string, olds: Props, news: Props, inPlace: boolean) => {
    const rule = def.same?.[k as keyof S & string];
    if (rule) return rule(olds[k], news[k], olds);
    if (inPlace && news[k] === undefined) return true; // unset: not managed
    return same(olds[k], news[k]);
  };
  type I = InputsOf<S>;
  type P = InputsOf<S> & Partial<O>;

  return {
    def,

    async check(_olds, news) {
      const r = checkFields(news, fields);
      if (r.failures.length === 0 && def.refine && !containsUnknown(r.inputs)) r.failures.push(...def.refine(r.inputs as I));
      return r;
    },

    async diff(_id, olds, news) {
      const replaces: string[] = def.replaceOn.filter((k) => !unchanged(k, olds, news, false));
      if (!same(olds.machine, news.machine)) replaces.push("machine");
      if (def.remark === "replace" && olds.owner !== undefined && olds.owner !== news.owner) replaces.push("owner");
      for (const k of def.alsoReplace?.(olds, news) ?? []) if (!replaces.includes(k as never)) replaces.push(k as never);
      // Made in a kernel or a sandbox that is gone (a reboot, `sandbox stop --force`, a killed
      // holder): nothing of it is left, so it is made again rather than reported unchanged.
      const home = homeOf(news);
      if (typeof olds.home === "string" && home !== undefined && olds.home !== home) replaces.push("home");
      const updates: string[] = [...def.inPlace, "owner"].filter((k) => !unchanged(k, olds, news, true));
      // A stack written by an older release: its next up stores this release's provider line.
      if (providerChanged(olds, news)) updates.push("__provider");
      return { changes: replaces.length + updates.length > 0, replaces, updates, deleteBeforeReplace: true };
    },

    async create(props) {
      const i = props as I;
      const c = ctxOf(i);
      await requirePrivileges(c.x);
      // The engine made what this needs first (the program side gave it the dependencies): what is
      // missing now was never declared, or was removed by hand. Said at once, with what to declare.
      const gone = await missingNamespace(c.x, def.namespaces(i));
      if (gone) throw new Error(noNamespace(def.title(i), gone));
      const undo: Undo = [];
      try {
        let outs: Props;
        try {
          outs = await def.create(c, i, undo);
        } catch (e) {
          if (!(e instanceof KernelError && e.kind === "exists") || !def.found || !def.adopt) throw e;
          const f = await def.found(c, i, "create");
          const cl = claim(f ? f.marker : null, c.owner);
          if (cl === "stack" && def.supersede && (i as Props).supersede === true) {
            outs = await def.supersede(c, i, undo);
            return { id: def.id(i), outs: { ...i, ...outs, home: homeOf(i) } };
          }
          if (cl !== "ours") {
            refuse(cl, { what: f?.what ?? def.title(i), where: f?.where, found: f?.marker, hint: f?.hint });
            throw e; // nothing there after all: the kernel's own words
          }
          outs = await def.adopt(c, i, undo);
        }
        return { id: def.id(i), outs: { ...i, ...outs, home: homeOf(i) } };
      } catch (e) {
        return rollback(e, undo);
      }
    },

    async read(id, props) {
      const c = ctxOf(props);
      if (await missingNamespace(c.x, def.namespaces(props as I))) return {};
      const outs = await goneWithNamespace(c.x, def.namespaces(props as I), () => def.read(c, props as P), undefined);
      return outs ? { id, props: { ...props, ...outs, home: homeOf(props) } } : {};
    },

    async update(_id, olds, news) {
      const c = ctxOf(news);
      await requirePrivileges(c.x);
      // What the kernel reported before (a pid, an ifindex) stays unless the update reports anew.
      const kept = Object.fromEntries(Object.keys(def.outputs).filter((k) => k in olds).map((k) => [k, olds[k]]));
      // Only the stored provider line differs (a stack of an older release): nothing to do in the kernel.
      const fields = [...def.inPlace, "owner"].filter((k) => !unchanged(k, olds, news, true));
      const home = homeOf(news);
      if (fields.length === 0) return { outs: { ...kept, ...news, home } };
      if (typeof def.remark === "function" && olds.owner !== news.owner) {
        await def.remark(c, olds as P, news as I);
        if (fields.length === 1) return { outs: { ...kept, ...news, home } }; // only the owner changed
      }
      return { outs: { ...kept, ...news, ...(await def.update(c, olds as P, news as I)), home } };
    },

    async delete(_id, props) {
      const c = ctxOf(props);
      const namespaces = def.namespaces(props as I);
      if (await missingNamespace(c.x, namespaces)) return; // gone with its namespace
      // Its namespace may go between that look and the commands (deleted by hand, or by another run):
      // then the object went with it, which is what delete wanted.
      await goneWithNamespace(c.x, namespaces, async () => {
        if (def.found) {
          const f = await def.found(c, props as I, "delete");
          if (!f || claim(f.marker, c.owner) !== "ours") return; // gone, or someone else's now: leave it alone
        }
        await requirePrivileges(c.x);
        await def.delete(c, props as P);
      }, undefined);
    },
  };
}
