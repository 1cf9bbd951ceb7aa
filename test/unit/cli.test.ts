// The CLI's fan-outs and messages, with an executor that only counts and answers (no kernel).
// The argument arrays are root's (a unit test run by another user must not start its sandbox).
process.env.NETNS_LAB_SANDBOX = "0";
import { verify } from "../../cli/verify";
import { drifts } from "../../cli/status";
import { pool } from "../../cli/pool";
import type { Executor } from "../../provider/kernel/exec";
import type { LabDescription } from "../../provider/components/description";

/** An executor whose pings take a while and reach only `reachable` addresses; it counts how many run at once. */
function counting(reachable: (addr: string) => boolean) {
  let now = 0;
  const x = {
    where: "fake",
    max: 0,
    async run(_file: string, args: readonly string[]) {
      now++;
      x.max = Math.max(x.max, now);
      await new Promise((r) => setTimeout(r, 2));
      now--;
      if (!reachable(args[args.length - 1])) throw new Error("unreachable");
      return "";
    },
  };
  return x as unknown as Executor & { max: number };
}

const lab = (n: number, addrs: (i: number) => string[]): LabDescription => ({
  name: "big",
  nodes: Array.from({ length: n }, (_, i) => ({ name: `n${i}`, role: "host" as const, namespace: `ns${i}`, interfaces: [{ name: "e0", peer: "", addresses: addrs(i) }] })),
  links: [],
});

test("#20.9: verify runs at most its pool's pings at once, whatever the lab's size", async () => {
  const x = counting(() => true);
  const r = await verify(lab(30, (i) => [`10.0.${i}.1/24`, `fd00::${i + 1}/64`]), [], x, undefined, 16);
  expect(Object.keys(r.matrix)).toHaveLength(30);
  expect(r.unexpected).toEqual([]);
  expect(x.max).toBeLessThanOrEqual(16);
  expect(x.max).toBeGreaterThan(1); // and in parallel all the same
});

test("#20.9: status reads at most its pool's resources at once", async () => {
  let now = 0;
  let max = 0;
  const kinds = await import("../../provider/runtime");
  const spy = jest.spyOn(kinds, "kind").mockImplementation(() => ({
    read: async (id: string, props: any) => {
      now++;
      max = Math.max(max, now);
      await new Promise((r) => setTimeout(r, 2));
      now--;
      return { id, props };
    },
    diff: async () => ({ changes: false, replaces: [] }),
  }) as never);
  const resources = Array.from({ length: 200 }, (_, i) => ({ kind: "NetNamespace", name: `r${i}`, id: `r${i}`, inputs: { name: `r${i}` }, outputs: { name: `r${i}` } }));
  expect(await drifts(resources, 10)).toEqual([]);
  expect(max).toBeLessThanOrEqual(10);
  spy.mockRestore();
});

test("#20.15: a pair whose addresses fare differently says which address failed", async () => {
  const x = counting((a) => !a.includes(":")); // IPv4 answers, IPv6 does not
  const r = await verify(lab(2, (i) => [`10.0.${i}.1/24`, `fd00::${i + 1}/64`]), [], x);
  expect(r.unexpected).toContain("n0 -> n1: fail (10.0.1.1 reached, fd00::2 not reached)");
});

test("pool keeps the order of results and its bound", async () => {
  let now = 0, max = 0;
  const out = await pool(Array.from({ length: 50 }, (_, i) => async () => {
    now++; max = Math.max(max, now);
    await new Promise((r) => setTimeout(r, (i * 7) % 5));
    now--;
    return i;
  }), 4);
  expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i));
  expect(max).toBe(4);
});

describe("#20.8: capture and exec run on the node's machine", () => {
  const here = { name: "h1", role: "host" as const, namespace: "p-h1", interfaces: [] };
  const there = { ...here, machine: { name: "m2", host: "10.250.0.2", address: "10.250.0.2", privateKeyFile: "/k" } };
  test("capture here: tcpdump in the namespace, writing its own file", async () => {
    const { captureCommand } = await import("../../cli/there");
    expect(captureCommand(here, "eth0", "/tmp/x.pcap")).toEqual({ command: ["ip", ["netns", "exec", "p-h1", "tcpdump", "-n", "--immediate-mode", "-i", "eth0", "-U", "-w", "/tmp/x.pcap"]], toStdout: false });
  });
  test("capture on another machine: through ssh, the pcap coming back on standard output", async () => {
    const { captureCommand } = await import("../../cli/there");
    const c = captureCommand(there, "eth0", "/tmp/x.pcap");
    expect(c.toStdout).toBe(true);
    expect(c.command[0]).toBe("ssh");
    expect(c.command[1]).toEqual(expect.arrayContaining(["-i", "/k", "10.250.0.2", "--"]));
    expect(c.command[1].at(-1)).toBe("'ip' 'netns' 'exec' 'p-h1' 'tcpdump' '-n' '--immediate-mode' '-i' 'eth0' '-U' '-w' '-'");
  });
  test("logs read through the node's executor: another machine's is SSH", async () => {
    const { nodeExecutor } = await import("../../cli/verify");
    expect(nodeExecutor(there).where).toBe("root@10.250.0.2");
    expect(nodeExecutor(here).where).toBe("local");
  });
});

describe("collect: what testLab's exec runs a node's command with", () => {
  test("a command that exits without reading its input: its own result, no EPIPE thrown (CI: the template's npm test failed with 'write EPIPE')", async () => {
    const { collect } = await import("../../cli/there");
    // 4 MB is more than a pipe holds: the write is still pending when the command exits.
    for (let i = 0; i < 5; i++) expect(await collect("sh", ["-c", "echo out; echo err >&2; exit 3"], "x".repeat(4 << 20))).toEqual({ code: 3, stdout: "out\n", stderr: "err\n" });
  });
  test("input reaches the command; a signal's end is 128 + its number; a missing program is 127", async () => {
    const { collect } = await import("../../cli/there");
    expect(await collect("cat", [], "hello")).toEqual({ code: 0, stdout: "hello", stderr: "" });
    expect((await collect("sh", ["-c", "kill -TERM $$"])).code).toBe(128 + 15);
    expect((await collect("/nonexistent/program", [])).code).toBe(127);
    expect((await collect("sleep", ["10"], undefined, 200)).code).toBe(128 + 9);
  });
});

describe("testLab: is a killed run's process still there?", () => {
  test("a pid is the run only with its start time: the same pid with another start is a reused pid, a killed run to sweep", async () => {
    const { running: alive, startTime } = await import("../../provider/kernel/sandbox");
    const { spawn } = await import("child_process");
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    const pid = child.pid!;
    const start = startTime(pid)!;
    expect(start).toMatch(/^\d+$/);
    expect(alive(pid, start)).toBe(true);
    expect(alive(pid, String(Number(start) + 1))).toBe(false);
    expect(alive(pid)).toBe(true); // run.json of an older version: the pid alone
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(alive(pid, start)).toBe(false);
    expect(alive(pid)).toBe(false);
  });
});
