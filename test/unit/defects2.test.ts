// Defects II (#30): the items that need neither root nor the engine, each named by its item; each
// failed on the main the issue started from (8a027ae). The items with a second user, the kernel or
// the engine are in test/integration/shared-dirs.test.ts and test/e2e/defects2.test.ts.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localShell } from "../support/shell";

describe("#30 item 5: tools are found where root finds them, whatever the caller's PATH lacks", () => {
  const cases: Array<[string, string, string]> = [
    ["Debian's login PATH of a user who is not root (no sbin)", "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games", "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games:/usr/local/sbin:/usr/sbin:/sbin"],
    ["root's PATH: unchanged", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    ["an empty PATH", "", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    ["the user's own directory keeps its precedence; empty entries dropped", "/home/u/bin::/usr/bin", "/home/u/bin:/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin:/bin"],
  ];
  test.each(cases)("%s", async (_what, callers, expected) => {
    const { toolPath, baseEnv } = await import("../../provider/kernel/env");
    expect(toolPath(callers)).toBe(expected);
    expect(baseEnv(callers)).toEqual({ PATH: expected, HOME: "/root", LANG: "C.UTF-8" });
  });
});

test("#30 item 7: a channel whose first opening failed (the holder lock's timeout) opens on the next command", async () => {
  const { agentArgv, Channel } = await import("../../provider/kernel/channel");
  let tries = 0;
  const ch = new Channel(
    () => {
      if (tries++ === 0) throw new Error("the sandbox is being started by another process for over a minute");
      return spawn(agentArgv[0], agentArgv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    },
    "",
    "test",
  );
  try {
    await expect(ch.run(["true"])).rejects.toThrow("for over a minute");
    expect(await ch.run(["echo", "again"])).toEqual({ code: 0, stdout: "again\n", stderr: "" });
    expect(tries).toBe(2);
  } finally {
    ch.close();
  }
});

test("#30 item 13: testLab's exec (collect) with a command that leaves a child holding its output: resolves at the timeout and kills the whole group", async () => {
  const { collect } = await import("../../cli/there");
  const mark = `netns-lab-item13-${process.pid}`;
  const t0 = Date.now();
  // A child shell named by the mark ($0), which keeps the output pipe open for a minute.
  const r = await collect("sh", ["-c", `sh -c 'sleep 60; :' ${mark} & echo started`], "", 1500);
  expect(Date.now() - t0).toBeLessThan(15_000);
  expect(r.stdout).toBe("started\n");
  // The background sleep went with its group (a process of that command line is gone).
  const left = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(mark);
    } catch {
      return false;
    }
  });
  expect(left).toEqual([]);
}, 20_000);

describe("#30 item 16: the processes netns-lab started, listed in one command", () => {
  test("parseMarked: each line's pid, owner (with its colons), start time and parent; zombies and other lines left out", async () => {
    const { parseMarked } = await import("../../provider/kernel/proc");
    const stat = (pid: number, state: string, ppid: number, start: number) => `${pid} (sle ep) ${state} ${ppid} ${Array(17).fill("0").join(" ")} ${start} 0 0`;
    const text = [
      `/proc/41/environ:NETNS_LAB_OWNER=netns-lab:p/s/bird-r1\t${stat(41, "S", 1, 5000)}`,
      `/proc/42/environ:NETNS_LAB_OWNER=netns-lab:p/s/zombie\t${stat(42, "Z", 41, 5001)}`,
      `garbage`,
      `/proc/43/environ:NETNS_LAB_OWNER=netns-lab/agent\t${stat(43, "R", 7, 6000)}`,
    ].join("\n");
    expect(parseMarked(text)).toEqual([
      { pid: 41, owner: "netns-lab:p/s/bird-r1", startTime: 5000, ppid: 1 },
      { pid: 43, owner: "netns-lab/agent", startTime: 6000, ppid: 7 },
    ]);
  });

  test("owned() over a commands-only executor: one command whatever the number of processes, the marked ones found", async () => {
    const proc = await import("../../provider/kernel/proc");
    const owner = `netns-lab:item16/s/${process.pid}`;
    const kids = [0, 1].map(() => spawn("sleep", ["60"], { env: { ...process.env, NETNS_LAB_OWNER: owner }, stdio: "ignore", detached: true }));
    try {
      const { x, calls } = localShell();
      const found = await proc.owned(x, owner);
      expect(found.map((p) => p.pid).sort()).toEqual(kids.map((k) => k.pid).sort());
      expect(found.every((p) => p.ppid === process.pid && p.startTime > 0)).toBe(true);
      expect(calls.length).toBe(1);
    } finally {
      for (const k of kids) k.kill("SIGKILL");
    }
  });
});

describe("#30 items 1-4: the private-directory helper", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-private-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("privateDir makes a directory 0700; refuses a link to one, a file, and one others may write, saying why", async () => {
    const { privateDir, NotPrivateError } = await import("../../provider/private");
    const made = privateDir(path.join(dir, "a"));
    expect(fs.statSync(made).mode & 0o777).toBe(0o700);
    fs.symlinkSync(made, path.join(dir, "link"));
    expect(() => privateDir(path.join(dir, "link"))).toThrow(/symbolic link/);
    fs.writeFileSync(path.join(dir, "file"), "");
    expect(() => privateDir(path.join(dir, "file"))).toThrow(/not a directory/);
    fs.mkdirSync(path.join(dir, "open"), { mode: 0o777 });
    fs.chmodSync(path.join(dir, "open"), 0o777);
    expect(() => privateDir(path.join(dir, "open"))).toThrow(NotPrivateError);
    expect(() => privateDir(path.join(dir, "open"))).toThrow(/mode is 777/);
  });

  test("writeAtomic replaces a link planted at the target instead of writing through it", async () => {
    const { writeAtomic } = await import("../../provider/private");
    const victim = path.join(dir, "victim");
    fs.writeFileSync(victim, "precious\n", { mode: 0o600 });
    fs.symlinkSync(victim, path.join(dir, "target"));
    writeAtomic(path.join(dir, "target"), "new\n", 0o640);
    expect(fs.readFileSync(victim, "utf8")).toBe("precious\n");
    expect(fs.statSync(victim).mode & 0o777).toBe(0o600);
    expect(fs.lstatSync(path.join(dir, "target")).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(dir, "target"), "utf8")).toBe("new\n");
    expect(fs.statSync(path.join(dir, "target")).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir).sort()).toEqual(["target", "victim"]); // no temporary file left
  });

  test("readPrivate reads nothing through a link, nor from a directory others may write", async () => {
    const { readPrivate, privateDir } = await import("../../provider/private");
    const own = privateDir(path.join(dir, "own"));
    fs.writeFileSync(path.join(own, "rec"), "mine");
    fs.writeFileSync(path.join(dir, "elsewhere"), "planted");
    fs.symlinkSync(path.join(dir, "elsewhere"), path.join(own, "link"));
    expect(readPrivate(path.join(own, "rec"))).toBe("mine");
    expect(readPrivate(path.join(own, "link"))).toBeUndefined();
    fs.chmodSync(own, 0o755);
    expect(readPrivate(path.join(own, "rec"))).toBeUndefined();
  });

  // The temporary file's name was `<path>.netns-lab-<pid>`, opened following links: a link planted
  // there (FRR's /var/run/frr/<ns>/ is writable by frr) made root write and chmod any file.
  test.each(["this machine's executor", "the commands-only executor"])("%s: a link planted at the old temporary name is not written through", async (which) => {
    const { host } = await import("../../provider/kernel/exec");
    const x = which.startsWith("this") ? host : (localShell()).x;
    const victim = path.join(dir, "victim");
    fs.writeFileSync(victim, "precious\n", { mode: 0o600 });
    const target = path.join(dir, "frr.conf");
    fs.symlinkSync(victim, `${target}.netns-lab-${process.pid}`);
    await x.writeFile(target, "router ospf\n", 0o644);
    expect(fs.readFileSync(victim, "utf8")).toBe("precious\n");
    expect(fs.statSync(victim).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(target, "utf8")).toBe("router ospf\n");
  });

  test("the commands-only executor's write (SSH, the sandbox) replaces a link at the target, leaves no temporary file", async () => {
    const { x } = localShell();
    const victim = path.join(dir, "victim");
    fs.writeFileSync(victim, "precious\n", { mode: 0o600 });
    fs.symlinkSync(victim, path.join(dir, "target"));
    await x.writeFile(path.join(dir, "target"), "new\n", 0o644);
    expect(fs.readFileSync(victim, "utf8")).toBe("precious\n");
    expect(fs.readFileSync(path.join(dir, "target"), "utf8")).toBe("new\n");
    expect(fs.statSync(path.join(dir, "target")).mode & 0o777).toBe(0o644);
    expect(fs.readdirSync(dir).sort()).toEqual(["target", "victim"]);
  });
});

describe("#30 item 6: a resource made in a kernel or sandbox that is gone is made again, not reported unchanged", () => {
  // diff reads where this machine's objects live now (Executor.home: this boot; the sandbox's holder
  // for a user who is not root) and compares it with what the resource recorded when it was made.
  const inputs = { name: "n6", owner: "p/s/n6" };
  const cases: Array<[string, () => Record<string, unknown>, Record<string, unknown>, string[]]> = [
    ["made in another boot (or another sandbox): replaced", () => ({ ...inputs, home: "00000000" }), inputs, ["home"]],
    ["made here and now: no change", () => ({ ...inputs, home: require("../../provider/kernel/exec").local.home() }), inputs, []],
    ["recorded by an older release (no home): no change", () => ({ ...inputs }), inputs, []],
    ["on another machine (home not tracked there): no change", () => ({ ...inputs, machine: { host: "m1" }, home: "00000000" }), { ...inputs, machine: { host: "m1" } }, []],
  ];
  test.each(cases)("%s", async (_what, olds, news, replaces) => {
    const { namespace } = await import("../../provider/kinds/namespace");
    const d = await namespace.diff("n6", olds(), news);
    expect(d.replaces).toEqual(replaces);
    expect(d.changes).toBe(replaces.length > 0);
  });
  test("this machine's home names this boot (root) or this sandbox's holder, or says the sandbox is gone", async () => {
    const { bootId, local } = await import("../../provider/kernel/exec");
    const home = local.home!();
    const boot = bootId().slice(0, 8);
    expect(boot).toMatch(/^[0-9a-f]{8}$/);
    if (process.getuid?.() === 0) expect(home).toBe(boot);
    else expect(home).toMatch(/^(gone|[0-9a-f]{8})$/);
    const { sandboxHome } = await import("../../provider/kernel/sandbox");
    expect(sandboxHome(undefined)).toBe("gone");
    const h = { pid: 42, start: "777", userns: "user:[1]", etc: "tmpfs", ids: "own", since: "" } as const;
    expect(sandboxHome(h)).toMatch(/^[0-9a-f]{8}$/);
    expect(sandboxHome({ ...h, start: "778" })).not.toBe(sandboxHome(h)); // another holder: another home
    expect(sandboxHome(h)).not.toBe(boot);
  });
});

describe("#30 item 14: testLab's prefixes are drawn at random and reserved, never taken twice", () => {
  // The old prefix was a hash of pid and time: two workers with one pid (their own pid namespaces) in
  // one millisecond drew the same. Now a draw is random, checked against the namespaces that exist,
  // and reserved by an exclusive mkdir that a second process cannot also win.
  const { reservePrefix } = require("../../provider/testing-runs") as typeof import("../../provider/testing-runs");
  let nm: string;
  beforeEach(() => (nm = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-unit-prefix-"))));
  afterEach(() => fs.rmSync(nm, { recursive: true, force: true }));
  const draws = (...values: number[]) => {
    const left = values.map(BigInt);
    return () => left.shift() ?? (() => { throw new Error("drew more than the test gave"); })();
  };

  test("a draw whose prefix another lab's namespaces use (another project's) is drawn again", () => {
    const got = reservePrefix(nm, draws(1, 2), () => ["t0000001-h1", "other"]);
    expect(got.prefix).toBe("t0000002-");
    expect(fs.statSync(got.workDir).isDirectory()).toBe(true);
  });
  test("a draw another lab of this project reserved (its work directory exists) is drawn again", () => {
    const first = reservePrefix(nm, draws(5), () => []);
    const second = reservePrefix(nm, draws(5, 6), () => []);
    expect([first.prefix, second.prefix]).toEqual(["t0000005-", "t0000006-"]);
    expect(second.workDir).not.toBe(first.workDir);
  });
  test("500 labs reserved from one draw sequence with collisions: 500 distinct prefixes, each a directory of its own", () => {
    const seq = Array.from({ length: 1000 }, (_, i) => Math.floor(i / 2)); // 0, 0, 1, 1 …: every draw but the first repeats the last one reserved
    const next = draws(...seq);
    const got = Array.from({ length: 500 }, () => reservePrefix(nm, next, () => []).prefix);
    expect(new Set(got).size).toBe(500);
    expect(got.every((p) => /^t[0-9a-z]{7}-$/.test(p))).toBe(true);
    expect(fs.readdirSync(path.join(nm, ".cache", "netns-lab-testing")).length).toBe(500);
  });
  test("the default draw is random: two reservations in a row differ", () => {
    expect(reservePrefix(nm).prefix).not.toBe(reservePrefix(nm).prefix);
  });
});
