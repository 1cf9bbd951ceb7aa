/**
 * What every kind's check and diff share (kind.ts): validation field by field, where a value not
 * known yet (preview) is judged at `up`, and deep equality of JSON values. Pure.
 */
import { z } from "zod";
import { CheckFailure, CheckResult, Props, UNKNOWN } from "./provider";

export const containsUnknown = (v: unknown): boolean =>
  v === UNKNOWN || (typeof v === "object" && v !== null && Object.values(v).some(containsUnknown));

/** Deep equality of JSON values, where an undefined member is the same as a missing one. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Props)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Props)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => same((a as Props)[k], (b as Props)[k]));
}

/** Validates `news` field by field; a field not known yet is accepted now and judged at `up`. */
export function checkFields(news: Props, fields: Record<string, z.ZodType>): CheckResult {
  const failures: CheckFailure[] = [];
  const inputs: Props = { ...news };
  for (const key of Object.keys(news)) {
    if (key !== "__provider" && !(key in fields) && news[key] !== undefined) failures.push({ property: key, reason: `unknown property '${key}'` });
  }
  for (const [key, schema] of Object.entries(fields)) {
    const value = inputs[key] === null ? undefined : inputs[key];
    if (containsUnknown(value)) continue;
    const r = schema.safeParse(value);
    if (r.success) {
      if (r.data !== undefined) inputs[key] = r.data;
      continue;
    }
    if (value === undefined) {
      failures.push({ property: key, reason: `'${key}' is required` });
      continue;
    }
    for (const issue of r.error.issues) {
      const path = [key, ...issue.path.map(String)].join(".");
      failures.push({ property: path, reason: `${path}: ${issue.message}` });
    }
  }
  return { inputs, failures };
}
