/**
 * Validation rules for the inputs kinds share: names, MTU, MAC, addresses, routes. zod schemas whose
 * messages say what is wrong and what a valid value looks like; `check` names the property.
 */
import { z } from "zod";
import { familyOf, hasHostBits, isAddress, networkOf, parseCidr } from "../net";

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
export const cidr = rule(
  (s) => parseCidr(s) !== undefined,
  (s) => `"${s}" is not an address with prefix length (e.g. 192.168.1.2/24 or fd00::1/64)`,
);

export const ipaddr = rule(isAddress, (s) => `"${s}" is not an IPv4 or IPv6 address`);

/** "default" or a network with its host bits clear, IPv4 or IPv6. */
export const destination = z.string().superRefine((s, ctx) => {
  if (s === "default") return;
  if (!parseCidr(s)) {
    ctx.addIssue({ code: "custom", message: `"${s}" is not "default" or a CIDR such as 192.168.2.0/24` });
  } else if (hasHostBits(s)) {
    ctx.addIssue({ code: "custom", message: `${s} has host bits set: did you mean ${networkOf(s)}?` });
  }
});

export const metric = z.number().int().min(0, "metric must be 0 or more").max(4294967295, "metric must fit in 32 bits");

export interface RouteFields {
  destination: string;
  via?: string;
  device?: string;
}

/** Rules across the fields of one route: a gateway or a device, and one IP family. */
export function routeProblems(r: RouteFields): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  if (!r.via && !r.device) out.push({ path: "destination", message: "a route needs 'via' (a gateway) or 'device'" });
  if (r.via && r.destination !== "default" && parseCidr(r.destination)?.family !== familyOf(r.via)) {
    out.push({ path: "via", message: "via and destination must be the same IP family" });
  }
  return out;
}

/** One route of a table. */
export const routeSpec = z
  .object({ destination, via: ipaddr.optional(), device: ifname.optional(), metric: metric.optional() })
  .strict()
  .superRefine((r, ctx) => {
    for (const p of routeProblems(r)) ctx.addIssue({ code: "custom", path: p.path === "destination" ? [] : [p.path], message: p.message });
  });

type RouteObject = RouteFields & { metric?: number };

/** A route as `ip route` writes it: "DEST [via GATEWAY] [dev INTERFACE] [metric N]". */
export const routeToText = (r: RouteObject): string =>
  [r.destination, ...(r.via ? ["via", r.via] : []), ...(r.device ? ["dev", r.device] : []), ...(r.metric !== undefined ? ["metric", String(r.metric)] : [])].join(" ");

/** The route a text names, or what is wrong with the text. */
export function routeFromText(text: string): RouteObject | string {
  const [destination, ...rest] = text.trim().split(/\s+/);
  const r: Record<string, unknown> = { destination };
  const words: Record<string, string> = { via: "via", dev: "device", metric: "metric" };
  for (let n = 0; n < rest.length; n += 2) {
    const key = words[rest[n]];
    if (!key || rest[n + 1] === undefined || key in r) {
      return `"${text}" is not a route written as "DEST [via GATEWAY] [dev INTERFACE] [metric N]", e.g. "10.0.2.0/24 via 10.0.1.1"`;
    }
    r[key] = key === "metric" ? Number(rest[n + 1]) : rest[n + 1];
  }
  return r as unknown as RouteObject;
}

/**
 * One route of a RouteTable: an object ({ destination, via?, device?, metric? }) or its text, checked
 * as the object is and stored as text ("10.0.2.0/24 via 10.0.1.1"): in the state, where a chain's
 * routes grow with the square of its length, the text is half the size of the object.
 */
export const tableRoute = z
  .custom<string | RouteObject>(
    (v) => typeof v === "string" || (typeof v === "object" && v !== null && !Array.isArray(v)),
    'a route is an object { destination, via?, device?, metric? } or a text such as "10.0.2.0/24 via 10.0.1.1"',
  )
  .transform((v, ctx) => {
    const obj = typeof v === "string" ? routeFromText(v) : v;
    if (typeof obj === "string") {
      ctx.addIssue({ code: "custom", message: obj });
      return z.NEVER;
    }
    const r = routeSpec.safeParse(obj);
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ code: "custom", path: issue.path as PropertyKey[], message: issue.message });
      return z.NEVER;
    }
    return routeToText(r.data);
  });

/** A network (CIDR with host bits clear), IPv4 or IPv6. */
export const network = rule(
  (s) => parseCidr(s) !== undefined && !hasHostBits(s),
  (s) => (parseCidr(s) ? `${s} has host bits set: did you mean ${networkOf(s)}?` : `"${s}" is not a network such as 192.168.1.0/24`),
);

/** A tc rate: a number and a unit, bits (bit, kbit, mbit, gbit, tbit) or bytes (bps, kbps, …) per second. */
export const rate = rule(
  (s) => /^\d+(\.\d+)?(bit|kbit|mbit|gbit|tbit|bps|kbps|mbps|gbps|tbps)$/i.test(s),
  (s) => `"${s}" is not a rate: write a number and a tc unit, e.g. 10mbit, 512kbit, 1gbit`,
);

/** A tc size: bytes (b, kb, mb) or bits (kbit, mbit). */
export const size = rule((s) => /^\d+(\.\d+)?(b|k|kb|m|mb|g|gb|bit|kbit|mbit|gbit)?$/i.test(s), (s) => `"${s}" is not a size such as 32kbit or 1600b`);

/** A duration for tc: a number and us, ms or s. */
export const duration = rule((s) => /^\d+(\.\d+)?(us|ms|s)$/.test(s), (s) => `"${s}" is not a duration such as 10ms, 500us or 1s`);

/** A share in percent: a number 0-100, or a text like "2.5%". */
export const percent = z
  .union([z.number(), z.string().regex(/^\d+(\.\d+)?%$/, "write a percentage such as 2.5%")])
  .transform((v) => (typeof v === "number" ? v : Number(v.slice(0, -1))))
  .refine((v) => v >= 0 && v <= 100, { message: "a percentage is 0 to 100" });

/** A host name for a hosts file (RFC 1123 labels). */
export const hostname = rule(
  (s) => s.length <= 253 && /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(s),
  (s) => `"${s}" is not a host name (letters, digits, '-' and '.')`,
);

/** An absolute path. */
export const absolutePath = rule((s) => s.startsWith("/") && !s.includes("\0") && !/(^|\/)\.\.(\/|$)/.test(s), (s) => `"${s}" is not an absolute path (it must start with / and not climb with ..)`);

/** One argument of a command: any text but NUL (commands are argument arrays, never a shell). */
export const argument = z.string().refine((s) => !s.includes("\0"), { message: "an argument may not contain a NUL byte" });

/** An environment: names of letters, digits and _ (each checked, the bad one named), values arguments. */
export const environment = z.record(z.string(), argument).superRefine((env, ctx) => {
  for (const k of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) ctx.addIssue({ code: "custom", path: [k], message: `"${k}": environment names are letters, digits and _` });
  }
});
