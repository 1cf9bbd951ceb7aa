/**
 * containerlab's merge of a node's definition with its group's, its kind's and the topology's
 * defaults (its types/topology.go), field by field. Pure.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A value containerlab counts as given (its getField's isSet: a non-empty string, list or mapping, any other value). */
const given = (v: unknown): boolean => v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0) && !(isObj(v) && Object.keys(v).length === 0);

/**
 * A node's definition merged with its group's, its kind's and the topology's defaults, field by field
 * as containerlab merges them (types/topology.go): the kind is the node's, else its group's, else the
 * default group's, else the defaults'; the group the node's, else its kind's, else the defaults';
 * `exec` (and the other lists) concatenated, defaults first, a line given twice kept once; `binds`
 * the same, then one per destination path, the most specific winning (in the order the destinations
 * first appear: containerlab's own order is a map's); `env`, `labels` and `sysctls` key by key, the
 * most specific winning; `stages` stage by stage, each stage's `wait-for` and `exec` appended (a
 * wait-for given twice kept once), as its Stages.Merge; any other field the most specific one given. Pure.
 */
export function mergeNode(defaults: Obj, kinds: Obj, groups: Obj, own: Obj): Obj {
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const groupOf = (n: string | undefined) => (n && isObj(groups[n]) ? (groups[n] as Obj) : undefined);
  const kindName = str(own.kind) ?? str(groupOf(str(own.group))?.kind) ?? str(groupOf(str(defaults.group))?.kind) ?? str(defaults.kind);
  const kind = kindName && isObj(kinds[kindName]) ? (kinds[kindName] as Obj) : {};
  const groupName = str(own.group) ?? str(kind.group) ?? str(defaults.group);
  const layers = [defaults, kind, groupOf(groupName) ?? {}, own]; // least specific first
  const out: Obj = {};
  for (const field of new Set(layers.flatMap((l) => Object.keys(l)))) {
    const values = layers.map((l) => l[field]).filter(given);
    if (!values.length) continue;
    if (field === "stages" && values.every(isObj)) out[field] = mergedStages(values as Obj[]);
    else if (MERGED_MAPS.has(field) && values.every(isObj)) out[field] = Object.assign({}, ...values);
    else if (MERGED_LISTS.has(field) && values.every(Array.isArray)) out[field] = mergedList(field, values as unknown[][]);
    else out[field] = values[values.length - 1];
  }
  if (kindName) out.kind = kindName;
  if (groupName) out.group = groupName;
  return out;
}

const MERGED_MAPS = new Set(["env", "labels", "sysctls"]);
const MERGED_LISTS = new Set(["exec", "binds", "env-files", "devices", "cap-add"]);

function mergedList(field: string, lists: unknown[][]): unknown[] {
  const all = [...new Set(lists.flat())];
  if (field !== "binds") return all;
  const byDestination = new Map<unknown, unknown>();
  for (const b of all) byDestination.set(typeof b === "string" ? b.split(":")[1] ?? b : b, b);
  return [...byDestination.values()];
}

/** containerlab's Stages.Merge: per stage, `wait-for` appended without repeats, `exec` appended. */
function mergedStages(levels: Obj[]): Obj {
  const out: Record<string, { "wait-for": unknown[]; exec: unknown[] }> = {};
  for (const level of levels) {
    for (const [stage, v] of Object.entries(level)) {
      if (!isObj(v)) continue;
      const o = (out[stage] ??= { "wait-for": [], exec: [] });
      for (const w of Array.isArray(v["wait-for"]) ? v["wait-for"] : []) if (!o["wait-for"].some((x) => JSON.stringify(x) === JSON.stringify(w))) o["wait-for"].push(w);
      o.exec.push(...(Array.isArray(v.exec) ? v.exec : []));
    }
  }
  return out;
}
