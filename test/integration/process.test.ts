// Process against real namespaces: start, read alive and dead, pid reuse, replace, the whole group
// stopped, a namespace deleted first, a program that exits at once, logs, host names.
import * as fs from "fs";
import { kinds as registry } from "../../provider/runtime";
import { Props, Provider } from "../../provider/kinds/kind";
import { removeNamespaces, sh, uniquePrefix } from "../support/names";

const kinds = registry as unknown as Record<string, Provider>;
let p: string;
let owner: string;
beforeEach(() => {
  p = uniquePrefix();
  owner = `itest/stack/${p}proc`;
});
afterEach(async () => {
  // Whatever a failed test left running with one of this test's owners is ended.
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    const env = (() => { try { return fs.readFileSync(`/proc/${pid}/environ`, "utf8"); } catch { return ""; } })();
    if (env.includes(`NETNS_LAB_OWNER=itest/stack/${p}`)) try { process.kill(Number(pid), "SIGKILL"); } catch { /* gone */ }
  }
  removeNamespaces(p);
  expect(fs.existsSync("/run/netns-lab/itest")).toBe(false); // logs and UTS namespaces went with their processes
});

async function check(news: Props): Promise<Props> {
  const r = await kinds.Process.check({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}
const inNs = (pid: number) => fs.statSync(`/proc/${pid}/ns/net`).ino;
const running = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));

test("starts detached in the namespace, with its log and marker; read sees it die; delete ends the whole group", async () => {
  const ns = p + "a";
  await kinds.NetNamespace.create({ name: ns, owner: `${owner}-ns` });
  // A parent that starts a child in its own group and logs: both must go on delete.
  const i = await check({ namespace: ns, command: ["/bin/sh", "-c", "echo started; sleep 300 & sleep 300"], owner, stopTimeout: 2 });
  const { id, outs } = await kinds.Process.create(i);
  expect(outs.logFile).toBe(`/run/netns-lab/${owner}.log`);
  expect(inNs(outs.pid)).toBe(fs.statSync(`/run/netns/${ns}`).ino);
  expect(fs.readFileSync(`/proc/${outs.pid}/environ`, "utf8")).toContain(`NETNS_LAB_OWNER=${owner}`);
  expect(fs.readFileSync(outs.logFile, "utf8")).toContain("started");
  expect((await kinds.Process.read(id, outs)).id).toBe(id);
  const group = sh("pgrep", ["-g", String(outs.pid)]).trim().split("\n").map(Number);
  expect(group.length).toBeGreaterThanOrEqual(2);
  // The same pid with another start time is not ours (pid reuse).
  expect(await kinds.Process.read(id, { ...outs, startTime: outs.startTime + 1 })).toEqual({});
  await kinds.Process.delete(id, outs);
  for (const g of group) expect(running(g)).toBe(false);
  expect(fs.existsSync(outs.logFile)).toBe(false);
  await kinds.Process.delete(id, outs); // idempotent
});

test("a process killed by hand drops out at read; create again starts a new one, adopting none", async () => {
  const ns = p + "a";
  await kinds.NetNamespace.create({ name: ns, owner: `${owner}-ns` });
  const i = await check({ namespace: ns, command: ["sleep", "300"], owner });
  const first = await kinds.Process.create(i);
  expect((await kinds.Process.create(i)).outs.pid).toBe(first.outs.pid); // running: adopted, not doubled
  // stopTimeout changes in place: the same process, still known by its pid.
  const { outs: updated } = await kinds.Process.update(first.id, first.outs, { ...i, stopTimeout: 9 });
  expect(updated).toMatchObject({ pid: first.outs.pid, startTime: first.outs.startTime, logFile: first.outs.logFile, stopTimeout: 9 });
  expect((await kinds.Process.read(first.id, updated)).id).toBe(first.id);
  process.kill(first.outs.pid, "SIGKILL");
  for (let n = 0; n < 50 && running(first.outs.pid); n++) await new Promise((r) => setTimeout(r, 20));
  expect(await kinds.Process.read(first.id, first.outs)).toEqual({});
  const second = await kinds.Process.create(i);
  expect(second.outs.pid).not.toBe(first.outs.pid);
  await kinds.Process.delete(second.id, second.outs);
});

test("a changed command or environment replaces; stopTimeout changes in place", async () => {
  const i = await check({ namespace: "x", command: ["sleep", "1"], owner });
  expect((await kinds.Process.diff("x", i, { ...i, command: ["sleep", "2"] })).replaces).toEqual(["command"]);
  expect((await kinds.Process.diff("x", i, { ...i, env: { A: "1" } })).replaces).toEqual(["env"]);
  expect((await kinds.Process.diff("x", i, { ...i, hostname: "h" })).replaces).toEqual(["hostname"]);
  expect(await kinds.Process.diff("x", i, { ...i, stopTimeout: 9 })).toMatchObject({ replaces: [], updates: ["stopTimeout"] });
});

test("with hostname, the process has its own UTS namespace and name; delete releases it", async () => {
  const ns = p + "a";
  await kinds.NetNamespace.create({ name: ns, owner: `${owner}-ns` });
  const { id, outs } = await kinds.Process.create(await check({ namespace: ns, command: ["/bin/sh", "-c", "hostname; sleep 300"], hostname: "router1", owner }));
  expect(sh("nsenter", [`--uts=/proc/${outs.pid}/ns/uts`, "hostname"]).trim()).toBe("router1");
  expect(sh("hostname", []).trim()).not.toBe("router1");
  await new Promise((r) => setTimeout(r, 100));
  expect(fs.readFileSync(outs.logFile, "utf8")).toContain("router1");
  // Killed by hand and started again: the dead one's UTS namespace is released, not leaked.
  process.kill(outs.pid, "SIGKILL");
  for (let n = 0; n < 50 && running(outs.pid); n++) await new Promise((r) => setTimeout(r, 20));
  const again = await kinds.Process.create(await check({ namespace: ns, command: ["/bin/sh", "-c", "hostname; sleep 300"], hostname: "router1", owner }));
  // (The UTS namespace is kept by a bind mount beside the log: /run/netns-lab/<owner>.uts.)
  const uts = `/run/netns-lab/${owner}.uts`;
  expect(fs.readFileSync("/proc/mounts", "utf8").split("\n").filter((l) => l.split(" ")[1] === uts).length).toBe(1);
  await kinds.Process.delete(again.id, again.outs);
  expect(fs.readFileSync("/proc/mounts", "utf8")).not.toContain(uts);
  expect(fs.existsSync(uts)).toBe(false);
});

test("a program that exits at once is a failed create carrying the end of its log; nothing is left", async () => {
  const ns = p + "a";
  await kinds.NetNamespace.create({ name: ns, owner: `${owner}-ns` });
  await expect(kinds.Process.create(await check({ namespace: ns, command: ["/bin/sh", "-c", "echo cannot bind port 179 >&2; exit 3"], owner }))).rejects.toThrow(
    /exited at once .*\n.*cannot bind port 179/,
  );
  await expect(kinds.Process.create(await check({ namespace: ns, command: ["/nonexistent/daemon"], owner }))).rejects.toThrow(/exited at once[\s\S]*No such file or directory/);
});

test("when the namespace was deleted by hand first, delete still ends the process", async () => {
  const ns = p + "a";
  await kinds.NetNamespace.create({ name: ns, owner: `${owner}-ns` });
  const { id, outs } = await kinds.Process.create(await check({ namespace: ns, command: ["sleep", "300"], owner }));
  sh("ip", ["netns", "del", ns]);
  expect(running(outs.pid)).toBe(true); // it keeps the namespace alive
  await kinds.Process.delete(id, outs);
  expect(running(outs.pid)).toBe(false);
});

test.each([
  [{ command: [] }, "command", /at least the program/],
  [{ command: ["./curo", "eth0"] }, "command", /relative path: give cwd/],
  [{ command: ["sleep", "a\0b"] }, "command.1", /NUL/],
  [{ cwd: "relative/dir" }, "cwd", /absolute path/],
  [{ env: { "A-B": "1" } }, "env.A-B", /letters, digits and _/],
  [{ hostname: "not a name" }, "hostname", /host name/],
])("bad input %j is refused naming %s", async (patch, property, reason) => {
  const r = await kinds.Process.check({}, { namespace: "x", command: ["sleep", "1"], owner, ...patch });
  expect(r.failures.find((f) => f.property === property)?.reason).toMatch(reason);
});
