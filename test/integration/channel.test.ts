// The command channel (provider/kernel/channel.ts) with its real agent (python3), started here by a
// stand-in for SSH (`sh -c <line>`, as sshd runs it): results, stdin, exit codes, a missing tool,
// commands running concurrently, a killed agent (the running command fails saying so, the next one
// gets a new channel), no python3 (the caller is told, to fall back). Over real SSH: test/e2e/split.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { agentArgv, Channel } from "../../provider/kernel/channel";
import { shellQuote } from "../../provider/kernel/ssh";

jest.setTimeout(60_000);

const line = agentArgv.map(shellQuote).join(" ");
const children: number[] = [];
const viaShell = (env: NodeJS.ProcessEnv = process.env) => (l: string) => {
  const c = spawn("/bin/sh", ["-c", l], { stdio: ["pipe", "pipe", "pipe"], env });
  children.push(c.pid!);
  return c;
};
const agents = () => spawnSync("pgrep", ["-f", "netns-lab-agent$"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number).filter((p) => children.some((c) => isDescendant(p, c)));
function isDescendant(pid: number, of: number): boolean {
  for (let p = pid; p > 1; ) {
    if (p === of) return true;
    const stat = fs.existsSync(`/proc/${p}/stat`) ? fs.readFileSync(`/proc/${p}/stat`, "utf8") : "";
    p = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] ?? 0);
  }
  return false;
}

test("results, stdin, exit codes and a missing tool, as argument arrays (nothing reaches a shell)", async () => {
  const ch = new Channel(viaShell(), line, "here");
  expect(await ch.run(["echo", "a b", "$HOME", "'q'"])).toEqual({ code: 0, stdout: "a b $HOME 'q'\n", stderr: "" });
  expect(await ch.run(["cat"], "from stdin\n")).toEqual({ code: 0, stdout: "from stdin\n", stderr: "" });
  expect(await ch.run(["sh", "-c", "echo oops >&2; exit 3"])).toEqual({ code: 3, stdout: "", stderr: "oops\n" });
  const missing = await ch.run(["no-such-tool-here"]);
  expect([missing.code, missing.stderr]).toEqual([127, expect.stringContaining("no-such-tool-here: not found")]);
  // The agent's marker is its own: the commands it runs do not carry it.
  expect((await ch.run(["env"])).stdout).not.toContain("NETNS_LAB_OWNER");
  expect(ch.opened).toBe(1);
  ch.close();
});

test("commands run concurrently: one waits on a fifo that a later one writes", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-channel-"));
  try {
    const fifo = path.join(dir, "f");
    spawnSync("mkfifo", [fifo]);
    const ch = new Channel(viaShell(), line, "here");
    const reader = ch.run(["cat", fifo]);
    const writer = ch.run(["sh", "-c", 'echo through > "$1"', "sh", fifo]);
    expect((await reader).stdout).toBe("through\n");
    expect((await writer).code).toBe(0);
    ch.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a killed agent: the command it was running fails saying so; the next runs on a new channel", async () => {
  const ch = new Channel(viaShell(), line, "m9");
  await ch.run(["true"]);
  const long = ch.run(["sleep", "30"]);
  await new Promise((r) => setTimeout(r, 300)); // started (the agent said so before this settles)
  const [agent] = agents();
  expect(agent).toBeGreaterThan(0);
  process.kill(agent, "SIGKILL");
  await expect(long).rejects.toThrow(/machine m9: the command channel ended while `sleep 30` was running; it may have taken effect \(run up again/);
  expect(await ch.run(["echo", "again"])).toEqual({ code: 0, stdout: "again\n", stderr: "" });
  expect(ch.opened).toBe(2);
  ch.close();
  spawnSync("pkill", ["-f", "^sleep 30$"]);
});

test("no python3 there: the caller is told (exit 127), to run its commands another way", async () => {
  const ch = new Channel(viaShell({ ...process.env, PATH: "/nonexistent" }), line.replace("'env'", "'/usr/bin/env'"), "bare");
  const e = await ch.run(["true"]).then(() => undefined, (x) => x);
  expect(e.opened.code).toBe(127);
  expect(e.opened.stderr).toMatch(/python3/);
});

afterAll(async () => {
  await new Promise((r) => setTimeout(r, 200));
  expect(agents()).toEqual([]); // each ended with its stdin
});
