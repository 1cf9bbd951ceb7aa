// Defects II (#30), items 1, 2 and 4: what netns-lab keeps in shared directories, with a second,
// real, unprivileged local user planting files there. The victim is another user (items 1, 2: what
// a user who is not root keeps in /tmp) or root (item 4: testLab's run records). Each failed on the
// main the issue started from: the victim's own process was killed, the victim's file overwritten,
// the victim's running lab swept.
import { execFileSync, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../support/engine";

const tag = `${process.pid.toString(36)}${crypto.randomBytes(2).toString("hex")}`;
const victim = `nltuv${tag}`;
const attacker = `nltua${tag}`;
const uidOf = (u: string) => Number(execFileSync("id", ["-u", u], { encoding: "utf8" }).trim());
/** argv as the user, through a login shell (as the user logs in). */
const as = (user: string, argv: string[], input?: string) =>
  spawnSync("runuser", ["-l", user, "-c", 'cd -- "$0" && exec "$@"', "--", "/tmp", ...argv], { encoding: "utf8", input, timeout: 60_000 });
const node = (user: string, code: string) => as(user, ["node", "-e", code]);

let vuid: number;
const planted: string[] = [];
beforeAll(() => {
  for (const u of [victim, attacker]) execFileSync("useradd", ["--create-home", "--shell", "/bin/bash", "--user-group", u]);
  vuid = uidOf(victim);
  fs.chmodSync(`/home/${victim}`, 0o755);
});
afterAll(() => {
  for (const u of [victim, attacker]) {
    spawnSync("pkill", ["-KILL", "-u", u]);
    spawnSync("userdel", ["--remove", u]);
  }
  for (const p of planted) fs.rmSync(p, { recursive: true, force: true });
});

describe("#30 item 1: a sandbox record planted by another user", () => {
  test("names the victim's own process: `netns-lab sandbox stop` refuses the directory, and the process lives", () => {
    const dir = `/tmp/netns-lab-sandbox-${vuid}`;
    planted.push(dir);
    // The victim's stand-in for its login shell.
    const shell = spawn("runuser", ["-u", victim, "--", "sleep", "300"], { stdio: "ignore", detached: true });
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      execFileSync("sleep", ["0.05"]);
      pid = Number(spawnSync("pgrep", ["-u", victim, "-x", "sleep"], { encoding: "utf8" }).stdout.trim().split("\n")[0] || 0);
    }
    expect(pid).toBeGreaterThan(0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const record = { pid, start: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19], userns: fs.readlinkSync(`/proc/${pid}/ns/user`), etc: "tmpfs", ids: "own", since: "then" };
    const plant = as(attacker, ["sh", "-c", 'mkdir -m 755 "$0" && cat > "$0/holder.json" && chmod 644 "$0/holder.json"', dir], JSON.stringify(record));
    expect(plant.stderr).toBe("");
    const stop = as(victim, [path.join(REPO, "bin/netns-lab"), "sandbox", "stop", "--force"]);
    expect(stop.status).not.toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`${dir} is not a private directory of this user's .*belongs to uid ${uidOf(attacker)}`));
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    shell.kill("SIGKILL");
    spawnSync("pkill", ["-KILL", "-u", victim, "-x", "sleep"]);
  });

  test("in the victim's own directory, a record naming a process of the victim's own user namespace is no holder: nothing is killed", () => {
    const dir = `/tmp/netns-lab-sandbox-${vuid}`;
    fs.rmSync(dir, { recursive: true, force: true });
    const r = node(
      victim,
      `const fs = require("fs"); const dir = ${JSON.stringify(dir)}; fs.mkdirSync(dir, { mode: 0o700 });
       const stat = fs.readFileSync("/proc/self/stat", "utf8");
       fs.writeFileSync(dir + "/holder.json", JSON.stringify({ pid: process.pid, start: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19], userns: fs.readlinkSync("/proc/self/ns/user"), etc: "tmpfs", ids: "own", since: "then" }));
       const s = require(${JSON.stringify(path.join(REPO, "dist/provider/kernel/sandbox.js"))});
       console.log(JSON.stringify({ found: s.findHolder(dir) ?? null, stop: s.stopSandbox(dir, true) }));`,
    );
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ found: null, stop: { stopped: false, namespaces: [], killed: 0 } });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

test("#30 item 2: an SSH directory made by another user, with a link at a pinned host key's file: refused, the victim's file untouched", () => {
  const dir = `/tmp/netns-lab-ssh-${vuid}`;
  planted.push(dir);
  const m = { host: "10.250.9.9", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIItem2" };
  const known = path.join(dir, `known-${crypto.createHash("sha256").update(`${m.host} 22 ${m.hostKey}`).digest("hex").slice(0, 16)}`);
  const precious = `/home/${victim}/precious`;
  expect(as(victim, ["sh", "-c", `echo mine > ${precious}`]).status).toBe(0);
  expect(as(attacker, ["sh", "-c", 'mkdir -m 777 "$0" && ln -s "$1" "$2"', dir, precious, known]).stderr).toBe("");
  const r = node(victim, `try { require(${JSON.stringify(path.join(REPO, "dist/provider/kernel/ssh.js"))}).sshArgs(${JSON.stringify(m)}); console.log("used"); } catch (e) { console.log(e.message); }`);
  expect(r.stdout).toMatch(new RegExp(`${dir} is not a private directory of this user's .*belongs to uid ${uidOf(attacker)}`));
  expect(fs.readFileSync(precious, "utf8")).toBe("mine\n");
});

test("#30 item 4: a run record planted by another user names root's running test lab: the sweep of killed runs leaves both", async () => {
  const stack = `t${tag.slice(0, 7)}`;
  const ns = `${stack}-h1`;
  const dir = `/tmp/netns-lab-testing-planted${tag}`;
  planted.push(dir);
  // The victim's running lab: a namespace carrying its stack's marker, as testLab's program makes it.
  execFileSync("ip", ["netns", "add", ns]);
  try {
    execFileSync("ip", ["-n", ns, "link", "set", "lo", "alias", `netns-lab:netns-lab-testing/${stack}/h1`]);
    const run = { project: "netns-lab-testing", stack, pid: 2 ** 22 + 1, start: "1" };
    expect(as(attacker, ["sh", "-c", 'mkdir -m 755 "$0" && cat > "$0/run.json" && chmod 644 "$0/run.json"', dir], JSON.stringify(run)).stderr).toBe("");
    const { sweepLeftovers } = await import("../../provider/testing");
    expect(await sweepLeftovers()).toBe(0);
    expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).toContain(ns);
    expect(fs.existsSync(path.join(dir, "run.json"))).toBe(true);
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
});
