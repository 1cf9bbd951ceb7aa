/**
 * The options of every component, refused at run time when one is not known: a program is transpiled
 * without a type check (PULUMI_NODEJS_TRANSPILE_ONLY, ts-jest's isolatedModules), so a misspelled
 * option (`adresses`) would otherwise be ignored silently. Each list is the option interface's own
 * properties (test/unit/options.test.ts checks them against the interfaces with TypeScript's
 * compiler); the check is zod's strict object, the message names the option and the closest known.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Pulumi's ComponentResourceOptions (the Lab takes them beside its own). */
export const RESOURCE_OPTIONS = [
  "providers", "id", "parent", "dependsOn", "protect", "ignoreChanges", "replaceOnChanges", "replacementTrigger", "version", "aliases", "provider",
  "customTimeouts", "transformations", "transforms", "urn", "pluginDownloadURL", "retainOnDelete", "deletedWith", "replaceWith", "hooks", "hideDiffs", "envVarMappings",
] as const;

/** Each option interface's properties, by the interface's name. */
export const OPTION_KEYS = {
  LabOptions: ["namespacePrefix", "addressOverrides", "hosts", "supersede"],
  NodeOptions: ["namespace", "machine", "filesystem", "recreateOn", "waitsFor"],
  RouterOptions: ["forwarding", "ipv6", "namespace", "machine", "filesystem", "recreateOn", "waitsFor"],
  NodeFilesystemOptions: ["binds", "hostname"],
  LinkOptions: ["addresses", "names", "mtu", "offload", "up", "shaping", "macs", "masters", "name", "after"],
  LanOptions: ["machine", "mtu", "offload", "shaping"],
  NatOptions: ["source", "out", "to"],
  RunOptions: ["after", "hostname", "files", "cwd", "env", "logFile", "runDir", "isolate", "filesystem", "stopTimeout", "machine"],
  ContainerlabOptions: ["namespacePrefix", "strict", "name", "mgmt", "mgmtHost", "vars", "resourceOptions"],
  NetlabOptions: ["device", "namespacePrefix", "name", "resourceOptions", "workDir", "linuxFilesystems"],
} as const;

/** Edit distance (insertions, deletions, substitutions, a swap of two neighbours): for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known name closest to `name` (case aside), if it is close enough to be what was meant. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  let bestP = -1;
  const n = name.toLowerCase();
  for (const k of known) {
    const kk = k.toLowerCase();
    const dd = distance(n, kk);
    // A tie goes to the name sharing the longer beginning (bind: binds, not kind).
    let p = 0;
    while (p < n.length && p < kk.length && n[p] === kk[p]) p++;
    if (dd < bestD || (dd === bestD && p > bestP)) [best, bestD, bestP] = [k, dd, p];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * The strict object of a list of option names, made once per list: zod compiles a schema on its first
 * parse, and a lab calls this per node and cable (issue 32: 0.55 s of the large fabric's program).
 */
const schemas = new Map<string, z.ZodType>();
function strictSchema(known: readonly string[]): z.ZodType {
  const key = known.join(",");
  let s = schemas.get(key);
  if (!s) schemas.set(key, (s = z.object(Object.fromEntries(known.map((k) => [k, z.unknown().optional()]))).strict()));
  return s;
}

/**
 * Refuses options that are not an object or hold a misspelled property (one close to a known one:
 * `adresses`), naming it and the known one; any other property the interface does not have gets a
 * warning and is ignored — TypeScript itself accepts an object with more properties when it is not a
 * literal (a function passing its own options on), so refusing those would refuse correct programs.
 * `where`: the call, e.g. `lab.link(h1, r1)`.
 */
export function checkOptions(where: string, kind: keyof typeof OPTION_KEYS, given: unknown, extra: readonly string[] = []): void {
  if (given === undefined) return;
  const known = [...OPTION_KEYS[kind], ...extra];
  // RunErrors: the user's own mistake, printed by Pulumi as the message alone (no stack trace of ours).
  if (typeof given !== "object" || given === null || Array.isArray(given)) throw new pulumi.RunError(`${where}: its options are an object (${kind}), not ${Array.isArray(given) ? "a list" : String(given)}`);
  const r = strictSchema(known).safeParse(given);
  if (r.success) return;
  const unknown = r.error.issues.flatMap((i) => (i.code === "unrecognized_keys" ? i.keys : []));
  if (!unknown.length) return; // (every value is accepted: only the names are checked here)
  const misspelled = unknown.flatMap((k) => {
    const c = closest(k, known);
    return c ? [`unknown option "${k}" (did you mean "${c}"?)`] : [];
  });
  const has = `${kind} has ${OPTION_KEYS[kind].join(", ")}${extra.length ? " and Pulumi's resource options" : ""}`;
  if (misspelled.length) throw new pulumi.RunError(`${where}: ${misspelled.join(", ")}; ${has}`);
  pulumi.log.warn(`${where}: ${unknown.map((k) => `"${k}"`).join(", ")}: not ${kind}: ignored (${has})`);
}
