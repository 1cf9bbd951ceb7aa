// The Command kind against real namespaces: create, update and delete lines run in the node's
// namespace with exactly the given environment, outputs stdout and stderr, the diff's replace and
// update rules, a failing line quoted, and check naming the property of bad input.
import { kinds as registry } from "../../provider/runtime";
import { Props, Provider } from "../../provider/kinds/kind";
import { removeNamespaces, sh, uniquePrefix } from "../support/names";

const kinds = registry as unknown as Record<string, Provider>;
const owner = "itest/stack/cmd";
let p: string;
beforeEach(() => {
  p = uniquePrefix();
});
afterEach(() => removeNamespaces(p));

async function check(news: Props): Promise<Props> {
  const r = await kinds.Command.check({}, { owner, ...news });
  expect(r.failures).toEqual([]);
  return r.inputs;
}
const mkns = async (n: string) => (await kinds.NetNamespace.create((await kinds.NetNamespace.check({}, { name: p + n, owner: `${owner}-${n}` })).inputs)).id;

test("create runs in the namespace with exactly its environment and its owner's marker; stdout, stderr, exit code are outputs; delete runs its line", async () => {
  const ns = await mkns("a");
  const i = await check({ namespace: ns, create: ["sh", "-c", `ip link set lo up && echo "$GREETING $HOME"; echo warn >&2; test "$NETNS_LAB_OWNER" = ${owner}#exec && test -z "$JEST_WORKER_ID"`], delete: ["ip", "link", "set", "lo", "down"], environment: { GREETING: "hi" } });
  const made = await kinds.Command.create(i);
  expect(made.outs).toMatchObject({ stdout: "hi /root", stderr: "warn", exitCode: 0 });
  expect(sh("ip", ["-n", ns, "link", "show", "lo"])).toMatch(/state UNKNOWN|,UP/);
  // Refresh: nothing to read back; the outputs stay.
  expect((await kinds.Command.read(made.id, made.outs)).props).toMatchObject({ stdout: "hi /root", stderr: "warn" });
  await kinds.Command.delete(made.id, made.outs);
  expect(sh("ip", ["-n", ns, "link", "show", "lo"])).not.toMatch(/,UP/);
});

test.each([
  ["a new create line without an update line: replaced", { create: ["true", "x"] }, { replaces: ["create"], updates: ["create"] }],
  ["new environment without an update line: replaced", { environment: { A: "2" } }, { replaces: ["environment"], updates: ["environment"] }],
  ["new triggers: replaced", { triggers: [2] }, { replaces: ["triggers"], updates: [] }],
  ["a new delete line: updated in place (nothing runs)", { delete: ["false"] }, { replaces: [], updates: ["delete"] }],
  ["a new create line with an update line: updated in place", { create: ["true", "x"], update: ["true", "u"] }, { replaces: [], updates: ["create", "update"] }],
])("diff: %s", async (_name, change, want) => {
  const base = { namespace: "n", create: ["true"], environment: { A: "1" }, triggers: [1], owner };
  const d = await kinds.Command.diff("id", base, { ...base, ...change });
  expect(d.changes).toBe(true);
  expect([...(d.replaces ?? [])].sort()).toEqual(want.replaces);
  expect([...(d.updates ?? [])].sort()).toEqual(want.updates);
});

test("update runs the update line when the create line or environment changed, and only then", async () => {
  const ns = await mkns("u");
  const olds = { ...(await check({ namespace: ns, create: ["echo", "one"], update: ["sh", "-c", "echo updated $N"], environment: { N: "1" } })), stdout: "one", stderr: "" };
  const news = await check({ namespace: ns, create: ["echo", "one"], update: ["sh", "-c", "echo updated $N"], environment: { N: "2" } });
  expect((await kinds.Command.update("id", olds, news)).outs).toMatchObject({ stdout: "updated 2" });
  const deleteOnly = await check({ namespace: ns, create: ["echo", "one"], update: ["false"], environment: { N: "1" }, delete: ["true"] });
  expect((await kinds.Command.update("id", olds, deleteOnly)).outs).toMatchObject({ stdout: "one" });
});

test("a line that exits non-zero fails the create, quoting its output and the line", async () => {
  const ns = await mkns("f");
  const i = await check({ namespace: ns, create: ["sh", "-c", "echo no such thing >&2; exit 3"] });
  await expect(kinds.Command.create(i)).rejects.toThrow(/create command `sh -c echo no such thing >&2; exit 3` in nlt\S+ failed: no such thing/);
});

test("check: false records a failing line's exit code and output instead of failing (containerlab's exec)", async () => {
  const ns = await mkns("k");
  const i = await check({ namespace: ns, create: ["sh", "-c", "echo out; echo bad >&2; exit 4"], check: false });
  expect((await kinds.Command.create(i)).outs).toMatchObject({ stdout: "out", stderr: "bad", exitCode: 4 });
  // A program that is not there: exit 127, the shell's word for it.
  const gone = await kinds.Command.create(await check({ namespace: ns, create: ["no-such-program-here"], check: false }));
  expect(gone.outs).toMatchObject({ exitCode: 127, stderr: expect.stringContaining("no-such-program-here") });
});

test("a child left running with the line's stdout open does not hold the create; it carries the marker; the namespace's delete ends it", async () => {
  const ns = await mkns("b");
  // Without the files, this create would wait for sleep: it holds the line's stdout and stderr.
  const i = await check({ namespace: ns, create: ["sh", "-c", "sleep 300 & echo started $!"] });
  const made = await kinds.Command.create(i);
  const pid = Number(/^started (\d+)$/.exec(String(made.outs.stdout))![1]);
  expect(require("fs").readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")).toContain(`NETNS_LAB_OWNER=${owner}#exec`);
  const nsProps = (await kinds.NetNamespace.check({}, { name: ns, owner: `${owner}-b` })).inputs;
  await kinds.NetNamespace.delete(ns, nsProps);
  let gone = false;
  for (let k = 0; k < 100 && !gone; k++) {
    const st = (() => { try { return require("fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string; } catch { return ""; } })();
    gone = st === "" || st.slice(st.lastIndexOf(")") + 2).startsWith("Z");
    if (!gone) await new Promise((r) => setImmediate(r));
  }
  expect(gone).toBe(true);
});

test("host: true runs the line in this machine's root namespace (for its namespace, which must be there); delete ends what it left running there, by its marker", async () => {
  const fs = require("fs") as typeof import("fs");
  const ns = await mkns("h");
  const i = await check({ namespace: ns, host: true, create: ["sh", "-c", "readlink /proc/self/ns/net; setsid -f sleep 3600; test \"$NETNS_LAB_OWNER\" = " + owner + "#exec"] });
  const made = await kinds.Command.create(i);
  expect(made.outs).toMatchObject({ exitCode: 0, stdout: fs.readlinkSync("/proc/self/ns/net") });
  const daemons = () =>
    fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/environ`, "utf8").split("\0").includes(`NETNS_LAB_OWNER=${owner}#exec`) && fs.readFileSync(`/proc/${d}/cmdline`, "utf8") === "sleep\u00003600\u0000";
      } catch {
        return false;
      }
    });
  expect(daemons()).toHaveLength(1);
  await kinds.Command.delete(made.id, made.outs);
  expect(daemons()).toEqual([]);
  // Deleting the namespace alone would not end it (it is not in it): so a host Command is never deleted with its namespace.
  expect((await kinds.Command.check({}, { owner, namespace: ns, host: true, create: ["true"], filesystem: true })).failures.map((f) => f.property)).toEqual(["filesystem"]);
});

test("a create in a namespace that does not exist says to declare it", async () => {
  const i = await check({ namespace: `${p}missing`, create: ["true"] });
  await expect(kinds.Command.create(i)).rejects.toThrow(/network namespace "nlt\S+missing" does not exist; declare a NetNamespace/);
});

test.each([
  ["no create line", "create", { namespace: "n" }],
  ["an empty create line", "create", { namespace: "n", create: [] }],
  ["a NUL in an argument", "create.1", { namespace: "n", create: ["echo", "a\0b"] }],
  ["a bad environment name", "environment.A-B", { namespace: "n", create: ["true"], environment: { "A-B": "x" } }],
  ["a bad namespace name", "namespace", { namespace: "a/b", create: ["true"] }],
  ["an unknown property", "shell", { namespace: "n", create: ["true"], shell: true }],
])("check refuses %s, naming %s", async (_name, property, news) => {
  const r = await kinds.Command.check({}, { owner, ...news });
  expect(r.failures.map((f) => f.property)).toContain(property);
});
