// Processes in namespaces of their own (issue 25): PID, IPC and mount isolation against the real
// kernel — what each changes, stopping, adoption after a killed up, drift, nothing left.
import * as fs from "fs";
import { kinds as registry } from "../../provider/runtime";
import { Props, Provider } from "../../provider/kinds/kind";
import * as proc from "../../provider/kernel/proc";
import { local } from "../../provider/kernel/exec";
import { namespaceLine } from "../../cli/status";
import { removeNamespaces, sh, uniquePrefix } from "../support/names";

const kinds = registry as unknown as Record<string, Provider>;
let p: string;
let owner: string;
beforeEach(() => {
  p = uniquePrefix();
  owner = `itest/stack/${p}iso`;
});
afterEach(async () => {
  // Whatever a failed test left running with one of this test's owners is ended (then the run fails).
  const left = [...(await proc.owned(local, owner)), ...(await proc.owned(local, `${owner}-plain`))];
  for (const l of left) process.kill(l.pid, "SIGKILL");
  removeNamespaces(p);
  expect(left).toEqual([]); // every test stops what it started
  fs.rmSync(`/run/netns-lab-tests/${p}`, { recursive: true, force: true });
});

async function check(news: Props) {
  return kinds.Process.check({}, { owner, ...news });
}
async function start(ns: string, isolate?: string[], command = ["sleep", "120"], o = owner) {
  // PID 1 of a namespace ignores a SIGTERM it has no handler for (sleep has none): stopped by SIGKILL after 1 s.
  const c = await check({ namespace: ns, command, stopTimeout: 1, ...(isolate ? { isolate } : {}), owner: o });
  expect(c.failures).toEqual([]);
  return { ...(await kinds.Process.create(c.inputs)), inputs: c.inputs };
}
const nsOf = (pid: number | string, t: string) => fs.readlinkSync(`/proc/${pid}/ns/${t}`);
const mkns = async () => (await kinds.NetNamespace.create((await kinds.NetNamespace.check({}, { name: `${p}n`, owner: `${owner}-ns` })).inputs)).id;

test.each([
  [["pid"], ["pid", "mnt"]], // (its own /proc needs a mount namespace of its own)
  [["ipc"], ["ipc"]],
  [["mount"], ["mnt"]],
  [["pid", "ipc", "mount"], ["pid", "ipc", "mnt"]],
])("isolate %j: exactly those namespaces are its own; the node's network namespace is kept", async (isolate, own) => {
  const ns = await mkns();
  const plain = await start(ns, undefined, ["sleep", "120"], `${owner}-plain`);
  const iso = await start(ns, isolate);
  const pid = iso.outs.pid as number;
  for (const t of ["pid", "ipc", "mnt", "uts", "net"]) {
    const differs = nsOf(pid, t) !== nsOf(plain.outs.pid as number, t);
    expect([t, differs]).toEqual([t, own.includes(t)]);
  }
  expect(nsOf(pid, "net")).toBe(nsOf(plain.outs.pid as number, "net"));
  expect(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]).toBe("sleep"); // the program, not unshare
  const line = namespaceLine(await proc.namespacesOf(local, pid), await proc.namespacesOf(local, "self"), fs.statSync(`/run/netns/${ns}`).ino);
  expect(line).toMatch(/net:\[\d+\] \(node\)/);
  for (const t of own) expect(line).toMatch(new RegExp(`${t}:\\[\\d+\\] \\(own\\)`));
  await kinds.Process.delete(iso.id, iso.outs);
  await kinds.Process.delete(plain.id, plain.outs);
});

test("pid: it is PID 1 and ps inside sees only its own tree", async () => {
  const ns = await mkns();
  const iso = await start(ns, ["pid"]);
  const inside = sh("nsenter", ["-t", String(iso.outs.pid), "-p", "-m", "ps", "-e", "-o", "pid=,comm="]).trim().split("\n").map((l) => l.trim());
  expect(inside).toContain("1 sleep");
  expect(inside.length).toBeLessThanOrEqual(2); // sleep and ps
  await kinds.Process.delete(iso.id, iso.outs);
});

test("ipc: a message queue made inside is not seen outside", async () => {
  const ns = await mkns();
  const iso = await start(ns, ["ipc"]);
  const before = sh("ipcs", ["-q"]);
  sh("nsenter", ["-t", String(iso.outs.pid), "-i", "ipcmk", "-Q"]);
  expect(sh("nsenter", ["-t", String(iso.outs.pid), "-i", "ipcs", "-q"])).not.toBe(sh("nsenter", ["-t", String(iso.outs.pid), "-i", "true"]));
  expect(sh("ipcs", ["-q"])).toBe(before);
  await kinds.Process.delete(iso.id, iso.outs);
});

test("mount: a mount made inside is not seen outside (private propagation)", async () => {
  const ns = await mkns();
  const dir = `/run/netns-lab-tests/${p}/m`;
  fs.mkdirSync(dir, { recursive: true });
  const iso = await start(ns, ["mount"]);
  sh("nsenter", ["-t", String(iso.outs.pid), "-m", "mount", "-t", "tmpfs", "inside", dir]);
  expect(sh("nsenter", ["-t", String(iso.outs.pid), "-m", "cat", "/proc/mounts"])).toContain(` ${dir} tmpfs`);
  expect(fs.readFileSync("/proc/mounts", "utf8")).not.toContain(` ${dir} `);
  await kinds.Process.delete(iso.id, iso.outs);
});

test("stop, adoption after a killed up, drift: as for any process; nothing left", async () => {
  const ns = await mkns();
  const iso = await start(ns, ["pid", "ipc", "mount"]);
  // A second create for the same owner (an up killed after the start): the running one is adopted.
  const again = await kinds.Process.create(iso.inputs);
  expect(again.outs.pid).toBe(iso.outs.pid);
  expect((await kinds.Process.read(iso.id, again.outs)).id).toBe(iso.id);
  // Killed by hand (PID 1 of its namespace dies with SIGKILL from outside): refresh finds it gone.
  process.kill(iso.outs.pid as number, "SIGKILL");
  for (let i = 0; i < 50 && (await proc.owned(local, owner)).length; i++) await new Promise((r) => setTimeout(r, 20));
  expect((await kinds.Process.read(iso.id, again.outs)).id).toBeUndefined();
  expect(await proc.owned(local, owner)).toEqual([]); // unshare went with its child
  // Started again and stopped: the whole tree goes.
  const third = await kinds.Process.create(iso.inputs);
  await kinds.Process.delete(third.id, third.outs);
  expect(await proc.owned(local, owner)).toEqual([]);
});

test("a bad isolate value is refused at check, naming it", async () => {
  const r = await check({ namespace: "x", command: ["sleep", "1"], isolate: ["pid", "net"] });
  expect(r.failures.map((f) => f.property)).toEqual(["isolate.1"]);
  expect(r.failures[0].reason).toMatch(/isolate\.1: .*"pid".*"ipc".*"mount"/);
});
