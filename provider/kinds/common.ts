/**
 * What every resource kind shares: input validation (zod, field by field so that `pulumi preview`
 * names the property), the diff rule (which inputs replace, which update in place), the ownership
 * marker, and the shape of a kind's implementation.
 */
import * as net from "net";
import { z } from "zod";
import { privilegeError } from "../kernel";

/** The value Pulumi's dynamic-provider host puts in place of an input that is not known yet. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Inputs = Record<string, any>;

export interface CheckFailure {
  property: string;
  reason: string;
}
export interface CheckResult {
  inputs: Inputs;
  failures: CheckFailure[];
}
export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}
export interface ReadResult {
  id?: string;
  props?: Inputs;
}

/** A resource kind, as the dynamic-provider shim calls it. */
export interface Kind {
  check(olds: Inputs, news: Inputs): Promise<CheckResult>;
  diff(id: string, olds: Inputs, news: Inputs): Promise<DiffResult>;
  create(inputs: Inputs): Promise<{ id: string; outs: Inputs }>;
  read(id: string, props: Inputs): Promise<ReadResult>;
  update(id: string, olds: Inputs, news: Inputs): Promise<{ outs: Inputs }>;
  delete(id: string, props: Inputs): Promise<void>;
}

// ---- field rules ------------------------------------------------------------------------------

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** A string rule whose message can quote the value. */
const rule = (ok: (s: string) => boolean, message: (s: string) => string) =>
  z.string().superRefine((s, ctx) => {
    if (!ok(s)) ctx.addIssue({ code: "custom", message: message(s) });
  });

export const ifname = rule(
  (s) => bytes(s) >= 1 && bytes(s) <= 15,
  (s) => `interface names are 1-15 bytes (Linux IFNAMSIZ); "${s}" is ${bytes(s)}`,
)
  .refine((s) => !/[\s/:]/.test(s), { message: "interface names may not contain '/', ':' or whitespace" })
  .refine((s) => s !== "." && s !== "..", { message: "interface names may not be '.' or '..'" })
  .refine((s) => !s.startsWith("-"), { message: "interface names may not start with '-'" });

export const nsname = z
  .string()
  .min(1, "namespace names may not be empty")
  .refine((s) => bytes(s) <= 255, { message: "namespace names are file names: at most 255 bytes" })
  .refine((s) => /^[A-Za-z0-9._@+-]+$/.test(s), {
    message: "namespace names are file names under /run/netns: use letters, digits and . _ - + @ only",
  })
  .refine((s) => s !== "." && s !== "..", { message: "namespace names may not be '.' or '..'" })
  .refine((s) => !s.startsWith("-"), { message: "namespace names may not start with '-'" });

export const mtu = z
  .number({ message: "mtu must be a number" })
  .int("mtu must be a whole number")
  .min(68, "mtu must be at least 68 (the IPv4 minimum)")
  .max(65535, "mtu must be at most 65535");

export const mac = z
  .string()
  .regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, "MAC addresses look like 02:00:00:00:00:01")
  .refine((s) => (parseInt(s.slice(0, 2), 16) & 1) === 0, {
    message: "a link's MAC address must be unicast (lowest bit of the first byte 0, e.g. 02:…)",
  })
  .refine((s) => !/^(00:){5}00$/.test(s), { message: "MAC address 00:00:00:00:00:00 is not usable" });

/** An IPv4 or IPv6 address with its prefix length. */
export function parseCidr(s: string): { addr: string; prefix: number; family: 4 | 6 } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const family = net.isIP(m[1]);
  const prefix = Number(m[2]);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { addr: m[1], prefix, family: family as 4 | 6 };
}

export const cidr = rule(
  (s) => parseCidr(s) !== undefined,
  (s) => `"${s}" is not an address with prefix length (e.g. 192.168.1.2/24 or fd00::1/64)`,
);

export const ipaddr = rule((s) => net.isIP(s) !== 0, (s) => `"${s}" is not an IPv4 or IPv6 address`);

/** The network part of a CIDR, e.g. 192.168.1.2/24 -> 192.168.1.0/24 (IPv4 only; IPv6 as given). */
export function networkOf(c: string): string {
  const p = parseCidr(c);
  if (!p || p.family === 6) return c;
  const n = p.addr.split(".").reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = p.prefix === 0 ? 0 : (~0 << (32 - p.prefix)) >>> 0;
  const net4 = (n & mask) >>> 0;
  return `${[24, 16, 8, 0].map((b) => (net4 >>> b) & 255).join(".")}/${p.prefix}`;
}

/** The ownership marker: who made a kernel object. Stored as the interface alias. */
export const owner = z.string().min(1).max(200);
export const OWNER_PREFIX = "netns-lab:";
export const marker = (ownerId: string) => `${OWNER_PREFIX}${ownerId}`;
/** The marker prefix shared by everything one stack made: `netns-lab:<project>/<stack>/`. */
export const stackMarker = (ownerId: string) => marker(ownerId.split("/").slice(0, 2).join("/") + "/");

// ---- check and diff -------------------------------------------------------------------------

const containsUnknown = (v: unknown): boolean =>
  v === UNKNOWN || (typeof v === "object" && v !== null && Object.values(v).some(containsUnknown));

/**
 * Validates `news` field by field. A field that is not known yet (an Output still being computed)
 * is accepted as is: it is validated again when it is known, at `up`.
 */
export function checkFields(
  news: Inputs,
  fields: Record<string, z.ZodType>,
  required: readonly string[],
  defaults: Inputs = {},
): CheckResult {
  // Before anything else, and before any change: can this process manage namespaces at all?
  const denied = privilegeError();
  if (denied) throw new Error(denied);
  const failures: CheckFailure[] = [];
  const inputs: Inputs = { ...news };
  for (const [k, v] of Object.entries(defaults)) if (inputs[k] === undefined) inputs[k] = v;
  for (const key of Object.keys(news)) {
    if (key === "__provider" || key in fields) continue;
    failures.push({ property: key, reason: `unknown property '${key}'` });
  }
  for (const [key, schema] of Object.entries(fields)) {
    const value = inputs[key];
    if (value === undefined || value === null) {
      if (required.includes(key)) failures.push({ property: key, reason: `'${key}' is required` });
      continue;
    }
    if (containsUnknown(value)) continue;
    const r = schema.safeParse(value);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const path = [key, ...issue.path.map(String)].join(".");
        failures.push({ property: path, reason: `${path}: ${issue.message}` });
      }
    } else {
      inputs[key] = r.data;
    }
  }
  return { inputs, failures };
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Inputs)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Inputs)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => same((a as Inputs)[k], (b as Inputs)[k]));
}

/** The diff rule: any change to a `replace` input replaces (delete first: kernel names are unique). */
export function diffFields(
  olds: Inputs,
  news: Inputs,
  rule: { replace: readonly string[]; update: readonly string[] },
): DiffResult {
  const replaces = rule.replace.filter((k) => !same(olds[k], news[k]));
  const updates = rule.update.filter((k) => !same(olds[k], news[k]));
  return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
}

/** Runs `undo` steps (last first) after a failed create, and rethrows the original error. */
export async function rollback(err: unknown, undo: Array<() => Promise<unknown>>): Promise<never> {
  const problems: string[] = [];
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const msg = (err as Error).message ?? String(err);
  if (problems.length) {
    throw new Error(`${msg}\n(rolling back what was made also failed: ${problems.join("; ")})`);
  }
  throw new Error(`${msg} (nothing was left behind: the partial create was rolled back)`);
}
