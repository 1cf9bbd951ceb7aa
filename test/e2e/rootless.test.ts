// Issue 22: labs without root. An ordinary user made for this run (no capabilities at all: setpriv
// drops the bounding set too) on a clone of this work tree that the user builds (test/support/user.ts)
// runs what a user runs: the template's lab (new, up, exec, verify, destroy), the curo, curo-nat
// and ospf labs, containerlab's FRR example, an `up` SIGKILLed and recovered as the README says, and the
// sandbox's status and stop. Nothing may appear in the host's root namespace (namespaces, veths,
// /etc/netns, /run/netns-lab), and after destroy and `sandbox stop` nothing of the user runs.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { frrContainersProgram } from "../support/frr-program";
import { hostRoot, makeUser, processesOf, sandboxNamespaces, sandboxRun, TestUser } from "../support/user";

jest.setTimeout(900_000);

// make test runs a sample; make test-rootless (NETNS_LAB_FULL=1) runs every test here.
const fullTest = process.env.NETNS_LAB_FULL === "1" ? test : test.skip;

const root = process.getuid?.() === 0;
const d = root ? describe : describe.skip;

/** `read()` once it has stayed the same for 200 ms (up to 5 s): processes that are ending. */
async function settled<T>(read: () => T): Promise<T> {
  let last = JSON.stringify(read());
  for (let i = 0; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = JSON.stringify(read());
    if (now === last && !now.includes("<defunct>")) break;
    last = now;
  }
  return read();
}

const host = hostRoot;

d("labs without root: an ordinary user's sandbox", () => {
  let u: TestUser;
  let before: Record<string, string[]>;
  const ok = (argv: string[], o?: Parameters<TestUser["run"]>[1]) => {
    const r = u.run(argv, o);
    if (r.status !== 0) throw new Error(`${argv.join(" ")} as ${u.name} failed (${r.status ?? r.signal}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  };
  const pulumi = (stack: string, ...a: string[]) => ok(["bin/pulumi", ...a, "--stack", stack]);
  /** A command run by root in the sandbox's mount namespace (its /run/netns, /etc/netns), as root sees it. */
  const inSandboxRun = (argv: string[]) => sandboxRun(u, argv);
  /**
   * The mounts in the sandbox's own /run (its tmpfs and what is mounted on it), as "mount point
   * (type)", but for its /run/netns (ip's). The host's mounts under /run, which the sandbox's mount
   * namespace copied and its /run covers, are not its own: a leftover of the host's is the host's.
   */
  const sandboxRunMounts = (): string[] => {
    const all = inSandboxRun(["cat", "/proc/self/mountinfo"]).stdout.split("\n").filter(Boolean).map((l) => {
      const [fields, rest] = l.split(" - ");
      const f = fields.split(" ");
      return { id: f[0], parent: f[1], at: f[4], type: rest.split(" ")[0], source: rest.split(" ")[1] };
    });
    const run = all.filter((m) => m.at === "/run" && m.source === "netns-lab-run").pop();
    if (!run) throw new Error("the sandbox has no /run of its own");
    const mine = new Set([run.id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const m of all) if (!mine.has(m.id) && mine.has(m.parent)) [grew] = [true, mine.add(m.id)];
    }
    const ips = (at: string) => at === "/run/netns" || at.startsWith("/run/netns/");
    return all.filter((m) => m.id !== run.id && mine.has(m.id) && !ips(m.at)).map((m) => `${m.at} (${m.type})`);
  };
  /** The sandbox's namespaces. */
  const inSandbox = (): string[] => sandboxNamespaces(u);

  /** Stacks a test brought up ([cwd, stack]); destroyed after it, whether it passed or not (no test leaves a lab to the next). */
  const up: Array<[string, string | undefined]> = [];
  afterEach(() => {
    for (const [cwd, stack] of up.splice(0)) u.run(["bin/pulumi", "destroy", "--yes", "--skip-preview", "--cwd", cwd, ...(stack ? ["--stack", stack] : [])]);
  });

  beforeAll(() => {
    before = host();
    u = makeUser(`nltu${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`);
  });
  afterAll(() => {
    u?.remove();
  });

  test("the user has no capability and is not root", () => {
    const status = ok(["cat", "/proc/self/status"]);
    expect(status).toMatch(new RegExp(`^Uid:\\s+${u.uid}\\s`, "m"));
    for (const set of ["CapEff", "CapPrm", "CapInh", "CapAmb"]) expect(status).toMatch(new RegExp(`^${set}:\\s+0+$`, "m"));
    // With the bounding set cleared too, for the test of a sandbox that maps the user's own id alone.
    expect(ok(["cat", "/proc/self/status"], { bounding: false })).toMatch(/^CapBnd:\s+0+$/m);
  });

  test("the template's lab: pulumi new, up, a ping with netns-lab exec, verify, status, capture, destroy; the host's root namespace untouched", async () => {
    const dir = path.join(u.home, "mylab");
    ok(["mkdir", "-p", dir]);
    const bin = path.join(u.clone, "bin");
    ok([`${bin}/pulumi`, "new", path.join(u.clone, "templates", "lab"), "--yes", "--stack", "dev", "--name", "mylab"], { cwd: dir, env: { npm_config_prefer_offline: "true" } });
    up.push([dir, undefined]);
    ok([`${bin}/pulumi`, "up", "--yes", "--skip-preview"], { cwd: dir });
    expect(inSandbox()).toEqual(["mylab-dev-h1", "mylab-dev-h2", "mylab-dev-r1"]);
    expect(host()).toEqual(before);
    const holder = ok([`${bin}/netns-lab`, "sandbox", "status"], { cwd: dir });
    expect(holder).toMatch(/running, holder pid \d+ since \S+ \(ids: the user's and its subordinate range/);
    expect(ok([`${bin}/netns-lab`, "exec", "h1", "--", "ping", "-c", "1", "-W", "2", "10.0.2.2"], { cwd: dir })).toMatch(/1 received/);
    expect(ok([`${bin}/netns-lab`, "verify"], { cwd: dir })).toMatch(/all as expected/);
    expect(ok([`${bin}/netns-lab`, "status"], { cwd: dir })).toMatch(/matches the stack/);
    // capture: tcpdump in the sandbox (it keeps the user's uid there), a pcap written by the user.
    const capture = u.start([`${bin}/netns-lab`, "capture", "r1", "r1-h2", "-w", `${dir}/r1.pcap`], { cwd: dir });
    let said = "";
    capture.stderr!.on("data", (d) => (said += d));
    for (let i = 0; i < 100 && !/listening on/.test(said); i++) await new Promise((r) => setTimeout(r, 100));
    ok([`${bin}/netns-lab`, "exec", "h1", "--", "ping", "-c", "2", "-W", "2", "10.0.2.2"], { cwd: dir });
    if (capture.exitCode !== null) throw new Error(`capture ended by itself (${capture.exitCode}): ${said}`);
    process.kill(-capture.pid!, "SIGINT");
    // "close", not "exit": tcpdump's last words (its counts) may still be in the pipe when the CLI has exited (CI once read none).
    await new Promise((r) => capture.once("close", r));
    expect(said).toMatch(/[1-9]\d* packets captured/);
    expect(fs.statSync(`${dir}/r1.pcap`).uid).toBe(u.uid);
    ok([`${bin}/pulumi`, "destroy", "--yes", "--skip-preview"], { cwd: dir });
    expect(inSandbox()).toEqual([]);
    // The template's own test (lab.test.ts: netns-lab/testing's testLab, up, exec ping, destroy), as the user.
    const npmTest = u.run(["npm", "test"], { cwd: dir });
    expect(npmTest.stderr).toMatch(/Tests:\s+1 passed, 1 total/);
    expect(npmTest.status).toBe(0);
    expect(inSandbox()).toEqual([]);
    // Found again, not started anew: the same holder.
    expect(ok([`${bin}/netns-lab`, "sandbox", "status"], { cwd: dir }).split("\n")[0]).toBe(holder.split("\n")[0]);
  });

  test("the curo, curo-nat and ospf labs: each reaches what it should, destroy leaves the sandbox empty", async () => {
    up.push([u.clone, "curo"], [u.clone, "curo-nat"], [u.clone, "ospf"]);
    for (const lab of ["curo", "curo-nat", "ospf"]) {
      ok(["bin/pulumi", "stack", "select", "--create", lab]);
      pulumi(lab, "up", "--yes", "--skip-preview");
      if (lab === "curo") {
        expect(inSandbox()).toEqual(["host1", "host2", "router1", "router2"]);
        // The stack's ping output, for this user: through netns-lab exec, into the sandbox.
        const ping = pulumi(lab, "stack", "output", "ping").trim();
        expect(ping).toBe("bin/netns-lab exec host1 --stack curo -- ping -c 3 -W 1 192.168.2.2");
        expect(ok(ping.split(" "))).toMatch(/3 received/);
      }
      expect(host()).toEqual(before);
      expect(ok(["bin/netns-lab", "verify", "--stack", lab, "--wait", "60"])).toMatch(/all as expected/);
      if (lab === "ospf") {
        expect(ok(["bin/netns-lab", "exec", "r1", "--stack", lab, "--", "ip", "route"])).toMatch(/proto bird/);
        expect(ok(["bin/netns-lab", "logs", "r1", "--stack", lab])).toMatch(/Started/);
      }
      pulumi(lab, "destroy", "--yes", "--skip-preview");
      expect(inSandbox()).toEqual([]);
    }
    // Only the holder is left running: the labs' daemons (BIRD) and the command channels' agents are gone
    // (an agent ends with its provider; its parent reaps it a moment later).
    expect(await settled(() => processesOf(u.name).map((p) => p.split(" ").slice(1).join(" ")))).toEqual(["sleep infinity"]);
  });

  test("a containerlab file of FRR routers (frr-ospf.clab.yml) in the sandbox: FRR's daemons under FRR's own user (a subordinate id), OSPF converges, verify, vtysh -N, destroy leaves no daemon and no run directory", async () => {
    const prefix = `nltf${Math.random().toString(36).slice(2, 5)}-`;
    const stack = "clab";
    ok(["bin/pulumi", "stack", "select", "--create", stack]);
    pulumi(stack, "config", "set", "netns-lab:prefix", prefix);
    up.push([u.clone, stack]);
    const frr = () => spawnSync("pgrep", ["-af", `/usr/lib/frr/.* -N ${prefix}`], { encoding: "utf8" }).stdout.trim();
    try {
      pulumi(stack, "up", "--yes", "--skip-preview");
      expect(inSandbox()).toEqual(["mgmt", "pc1", "pc2", "r1", "r2", "r3"].map((n) => prefix + n));
      expect(host()).toEqual(before);
      // Each router's daemons run as FRR's user of the sandbox: not the user, not the host's root.
      const daemons = frr().split("\n");
      expect(daemons.length).toBe(9); // zebra, staticd, ospfd in each of 3
      for (const line of daemons) {
        const uid = fs.statSync(`/proc/${line.split(" ")[0]}`).uid;
        expect(uid).not.toBe(0);
        expect(uid).not.toBe(u.uid);
      }
      expect(ok(["bin/netns-lab", "verify", "--stack", stack, "--wait", "60"])).toMatch(/all as expected/);
      let neighbours = "";
      for (let i = 0; i < 30 && (neighbours.match(/Full/g)?.length ?? 0) < 2; i++) {
        if (i) await new Promise((r) => setTimeout(r, 1000));
        neighbours = ok(["bin/netns-lab", "exec", "r2", "--stack", stack, "--", "vtysh", "-N", `${prefix}r2`, "-c", "show ip ospf neighbor"]);
      }
      expect(neighbours.match(/Full/g)?.length).toBe(2);
      // #35 item 7: vtysh -N finds its vtysh.conf, in the sandbox's own /etc/frr (not the host's).
      const vtysh = u.run(["bin/netns-lab", "exec", "r2", "--stack", stack, "--", "vtysh", "-N", `${prefix}r2`, "-c", "show version"]);
      expect(vtysh.status).toBe(0);
      expect(vtysh.stderr).not.toMatch(/Can't open configuration file/);
      expect(inSandboxRun(["cat", `/etc/frr/${prefix}r2/vtysh.conf`]).stdout).toBe("service integrated-vtysh-config\n");
      expect(fs.existsSync(`/etc/frr/${prefix}r2`)).toBe(false);
      pulumi(stack, "destroy", "--yes", "--skip-preview");
      expect(inSandbox()).toEqual([]);
      expect(frr()).toBe("");
      expect(inSandboxRun(["ls", "-A", "/run/frr"]).stdout.split("\n").filter((f) => f.startsWith(prefix))).toEqual([]);
      expect(inSandboxRun(["ls", "-A", "/etc/frr"]).stdout.split("\n").filter((f) => f.startsWith(prefix))).toEqual([]);
      expect(host()).toEqual(before);
    } finally {
      spawnSync("pkill", ["-KILL", "-f", `/usr/lib/frr/.* -N ${prefix}`]);
    }
  });

  fullTest("#30 item 6: the holder SIGKILLed under a lab of FRR routers: the daemons it left (FRR's, under subordinate ids) are found and ended, preview shows the lab made again (not \"no changes\"), up makes it again, destroy leaves nothing", async () => {
    const prefix = `nlth${Math.random().toString(36).slice(2, 5)}-`;
    const stack = "gone";
    ok(["bin/pulumi", "stack", "select", "--create", stack]);
    pulumi(stack, "config", "set", "netns-lab:lab", "clab");
    pulumi(stack, "config", "set", "netns-lab:prefix", prefix);
    up.push([u.clone, stack]);
    const frr = () => spawnSync("pgrep", ["-f", `/usr/lib/frr/.* -N ${prefix}`], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number);
    const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    try {
      pulumi(stack, "up", "--yes", "--skip-preview");
      const first = frr();
      expect(first.length).toBe(9);
      const holder = JSON.parse(fs.readFileSync(path.join("/tmp", `netns-lab-sandbox-${u.uid}`, "holder.json"), "utf8")).pid as number;
      process.kill(holder, "SIGKILL");
      for (let i = 0; i < 100 && alive(holder); i++) await new Promise((r) => setTimeout(r, 50));
      expect(alive(holder)).toBe(false);
      // The holder alone died: FRR's daemons keep its user namespace, and the lab's namespaces, alive.
      expect(first.filter(alive).length).toBe(9);
      const preview = u.run(["bin/pulumi", "preview", "--expect-no-changes", "--stack", stack]);
      expect(preview.status).not.toBe(0);
      for (const n of ["r1", "r2", "r3", "pc1", "pc2"]) expect(preview.stdout).toMatch(new RegExp(`\\+- pulumi-nodejs:dynamic/netns-lab:NetNamespace ${n} replace`));
      expect(preview.stdout).toMatch(/\+-65 to replace/); // every resource of the lab (its components unchanged; 25 of them its management network, 3 the routers' vtysh.conf)
      pulumi(stack, "up", "--yes", "--skip-preview");
      expect(first.filter(alive)).toEqual([]); // ended: none left running in a sandbox nobody can enter
      const second = frr();
      expect(second.length).toBe(9);
      expect(ok(["bin/netns-lab", "verify", "--stack", stack, "--wait", "60"])).toMatch(/all as expected/);
      pulumi(stack, "preview", "--expect-no-changes");
      pulumi(stack, "destroy", "--yes", "--skip-preview");
      expect(inSandbox()).toEqual([]);
      expect(frr()).toEqual([]);
      expect(host()).toEqual(before);
    } finally {
      spawnSync("pkill", ["-KILL", "-f", `/usr/lib/frr/.* -N ${prefix}`]);
    }
  });

  fullTest("#31 item 2: nodes with filesystems of their own in the sandbox: two FRR routers as containers (their own /etc/frr, /run/frr; frr.conf bound read-only), OSPF through vtysh in the node, no change, destroy leaves no mount namespace; the host untouched", async () => {
    const dir = path.join(u.home, "fslab");
    const p = `nltg${Math.random().toString(36).slice(2, 5)}-`;
    ok(["mkdir", "-p", path.join(dir, "node_modules")]);
    // node_modules as npm install would leave them: netns-lab linked, its dependencies beside it.
    ok(["sh", "-c", 'for e in "$1"/node_modules/*; do ln -s "$e" "$2/node_modules/"; done; ln -s "$1" "$2/node_modules/netns-lab"', "sh", u.clone, dir]);
    const files = frrContainersProgram({ project: "fslab", prefix: p, subnet: "10.85.0" });
    for (const [f, text] of Object.entries(files)) ok(["tee", path.join(dir, f)], { input: text });
    const stack = "fs";
    ok(["bin/pulumi", "stack", "init", stack, "--cwd", dir]);
    up.push([dir, undefined]);
    const frrHost = () => spawnSync("sha256sum", ["--", ...fs.readdirSync("/etc/frr").map((f) => `/etc/frr/${f}`)], { encoding: "utf8" }).stdout;
    const hostFrr = frrHost();
    try {
      ok(["bin/pulumi", "up", "--yes", "--skip-preview", "--cwd", dir]);
      expect(inSandbox()).toEqual([`${p}r1`, `${p}r2`]);
      let neighbours = "";
      for (let i = 0; i < 60 && !/Full/.test(neighbours); i++) {
        if (i) await new Promise((r) => setTimeout(r, 1000));
        neighbours = u.run(["bin/netns-lab", "exec", `${p}r1`, "--cwd", dir, "--", "vtysh", "-c", "show ip ospf neighbor"]).stdout;
      }
      expect(neighbours).toMatch(/2\.2\.2\.2\s+\d+\s+Full/);
      // The node's own FRR config directory: the bound frr.conf and FRR's vtysh.conf, not the host's files.
      expect(ok(["bin/netns-lab", "exec", `${p}r2`, "--cwd", dir, "--", "ls", "/etc/frr"]).split("\n").filter(Boolean).sort()).toEqual(["frr.conf", "vtysh.conf"]);
      ok(["bin/pulumi", "preview", "--expect-no-changes", "--cwd", dir]);
      ok(["bin/pulumi", "destroy", "--yes", "--skip-preview", "--cwd", dir]);
      expect(inSandbox()).toEqual([]);
      expect(inSandboxRun(["ls", "-A", "/run/netns-lab"]).stdout.split("\n")).not.toContain("fs");
      expect(sandboxRunMounts()).toEqual([]);
      expect(host()).toEqual(before);
      expect(frrHost()).toBe(hostFrr);
    } finally {
      spawnSync("pkill", ["-KILL", "-f", "^/usr/lib/frr/(zebra|ospfd) -f /etc/frr/frr.conf -u frr -g frr -A 127.0.0.1$"]); // only this test's (afterEach destroys the rest)
    }
  });

  test("a user's own program with one of every kind, raw (test/programs/inside): up, a ping across its NAT, netns-lab ui live (#34), no change, destroy", async () => {
    const dir = path.join(u.home, "inside");
    ok(["mkdir", "-p", dir]);
    const src = path.join(u.clone, "test", "programs", "inside");
    for (const f of fs.readdirSync(src)) ok(["cp", path.join(src, f), dir]);
    ok(["ln", "-s", path.join(u.home, "mylab", "node_modules"), path.join(dir, "node_modules")]); // as the template's npm install left them
    const stack = "ins";
    ok(["bin/pulumi", "stack", "init", stack, "--cwd", dir]);
    up.push([dir, undefined]);
    ok(["bin/pulumi", "up", "--yes", "--skip-preview", "--cwd", dir]);
    expect(inSandbox()).toEqual([`${stack}-a`, `${stack}-o`, `${stack}-r`]);
    expect(inSandboxRun(["ip", "netns", "exec", `${stack}-a`, "ping", "-c", "1", "-W", "2", "10.71.0.2"]).status).toBe(0);
    expect(inSandboxRun(["tc", "-n", `${stack}-a`, "qdisc", "show", "dev", "eth0"]).stdout).toMatch(/tbf/);
    // #34: netns-lab ui as the user, reading the sandbox: cables up, the process running, a node's
    // addresses, a capture (tcpdump under a subordinate id) with --exec.
    const ui = u.start(["bin/netns-lab", "ui", "--exec", "--cwd", dir]);
    try {
      let printed = "";
      const url = await new Promise<string>((resolve, reject) => {
        ui.stdout!.on("data", (d) => {
          printed += d;
          const m = /open (http:\/\/127\.0\.0\.1:\d+)\/\?token=([0-9a-f]+)/.exec(printed);
          if (m) resolve(`${m[1]} ${m[2]}`);
        });
        ui.on("exit", (code) => reject(new Error(`netns-lab ui exited ${code}: ${printed}`)));
      });
      const [base, token] = url.split(" ");
      const get = (p: string) =>
        new Promise<{ status: number; body: Buffer }>((resolve, reject) =>
          require("http").get(`${base}${p}`, { headers: { "x-netns-lab-token": token } }, (r: import("http").IncomingMessage) => {
            const parts: Buffer[] = [];
            r.on("data", (d: Buffer) => parts.push(d)).on("end", () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(parts) }));
          }).on("error", reject),
        );
      const live = JSON.parse((await get("/api/live")).body.toString());
      expect(live.cables.map((c: { name: string; state: string }) => `${c.name}:${c.state}`).sort()).toEqual(["a-r:up", "r-o:up"]);
      expect(live.nodes[`${stack}-a`].processes).toEqual([{ name: "a-sleeper", running: true, pid: expect.any(Number) }]);
      expect(JSON.parse((await get(`/api/node/${stack}-a`)).body.toString()).addresses).toContain("eth0 10.70.0.2/24");
      const pcap = await get(`/api/capture/${stack}-r/out?seconds=1`);
      expect([pcap.status, pcap.body.readUInt32LE(0).toString(16)]).toEqual([200, "a1b2c3d4"]);
      expect((await get("/api/live")).status).toBe(200);
    } finally {
      const exited = new Promise((r) => ui.once("exit", r));
      process.kill(-ui.pid!, "SIGINT");
      await exited;
    }
    ok(["bin/pulumi", "preview", "--expect-no-changes", "--cwd", dir]);
    ok(["bin/pulumi", "destroy", "--yes", "--skip-preview", "--cwd", dir]);
    expect(inSandbox()).toEqual([]);
    expect(inSandboxRun(["ls", "/run/netns-lab-tests"]).stdout.trim()).toBe("");
    expect(host()).toEqual(before);
  });

  test("an up SIGKILLed midway: the README's recovery converges, destroy leaves nothing", async () => {
    ok(["bin/pulumi", "stack", "select", "--create", "chain"]);
    pulumi("chain", "config", "set", "netns-lab:routers", "20");
    up.push([u.clone, "chain"]);
    const child = u.start(["bin/pulumi", "up", "--yes", "--skip-preview", "--stack", "chain"]);
    for (let i = 0; i < 600 && inSandbox().length < 8; i++) await new Promise((r) => setTimeout(r, 50));
    expect(inSandbox().length).toBeGreaterThanOrEqual(8);
    process.kill(-child.pid!, "SIGKILL");
    await new Promise((r) => child.once("exit", r));
    // The sweep works in the sandbox: what the killed run made, found by its marker, is removed.
    expect(ok(["bin/netns-lab", "sweep", "--stack", "chain"])).toMatch(/swept netns-lab\/chain: \d+ namespaces/);
    expect(inSandbox()).toEqual([]);
    u.run(["bin/pulumi", "cancel", "--yes", "--stack", "chain"]); // only if it says the stack is locked
    // As a kill while the backend writes the checkpoint's metadata leaves it (once seen here: every
    // later command failed "failed to load checkpoint: EOF"): empty. bin/pulumi removes it, saying so.
    const attrs = path.join(u.clone, ".pulumi-state", ".pulumi", "stacks", "netns-lab", "chain.json.attrs");
    ok(["truncate", "-s", "0", attrs]);
    const refresh = u.run(["bin/pulumi", "refresh", "--yes", "--skip-preview", "--clear-pending-creates", "--stack", "chain"]);
    expect(refresh.stderr).toMatch(/netns-lab: removing \.pulumi\/stacks\/netns-lab\/chain\.json\.attrs, left empty by a run that was killed/);
    expect(refresh.status).toBe(0);
    pulumi("chain", "up", "--yes", "--skip-preview");
    expect(inSandbox().length).toBe(22);
    expect(ok(["bin/netns-lab", "verify", "--stack", "chain", "--sample", "10"])).toMatch(/all as expected/);
    pulumi("chain", "destroy", "--yes", "--skip-preview");
    expect(inSandbox()).toEqual([]);
    expect(host()).toEqual(before);
  });

  test("sandbox stop: refused while a lab is up, then nothing of the user runs", async () => {
    const dir = path.join(u.home, "mylab");
    up.push([dir, undefined]);
    ok(["bin/pulumi", "up", "--yes", "--skip-preview", "--cwd", dir]);
    const refused = u.run(["bin/netns-lab", "sandbox", "stop"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/the sandbox holds 3 network namespace\(s\) \(mylab-dev-h1, mylab-dev-h2, mylab-dev-r1\): destroy those labs first/);
    ok(["bin/pulumi", "destroy", "--yes", "--skip-preview", "--cwd", dir]);
    expect(ok(["bin/netns-lab", "sandbox", "stop"])).toMatch(/sandbox stopped/);
    expect(await settled(() => processesOf(u.name))).toEqual([]);
    expect(ok(["bin/netns-lab", "sandbox", "status"])).toMatch(/not running/);
    expect(host()).toEqual(before);

    // Started where newuidmap cannot work (no bounding set: a set-uid helper gets no capability), the
    // sandbox maps the user's own id alone; labs work, capture says what it needs.
    const nb = { bounding: false, cwd: dir };
    up.push([dir, undefined]);
    ok(["bin/pulumi", "up", "--yes", "--skip-preview"].map((a, i) => (i === 0 ? path.join(u.clone, a) : a)), nb);
    expect(ok([path.join(u.clone, "bin/netns-lab"), "sandbox", "status"], nb)).toMatch(/ids: the user's alone/);
    expect(ok([path.join(u.clone, "bin/netns-lab"), "verify"], nb)).toMatch(/all as expected/);
    // FRR's daemons switch to FRR's user, which such a sandbox cannot map: the program says so before anything is made.
    ok(["bin/pulumi", "stack", "init", "frrown"]);
    pulumi("frrown", "config", "set", "netns-lab:lab", "clab");
    const frr = u.run([path.join(u.clone, "bin/pulumi"), "up", "--yes", "--skip-preview", "--stack", "frrown"], { bounding: false });
    expect(frr.status).not.toBe(0);
    expect(frr.stdout).toMatch(/frr-ospf\.clab\.yml: node r1: FRR \(its daemons switch to FRR's user\) needs subordinate ids in the sandbox, which maps nltu\w+'s own id alone here: install uidmap/);
    expect(inSandbox()).toEqual(["mylab-dev-h1", "mylab-dev-h2", "mylab-dev-r1"]);
    ok(["bin/pulumi", "stack", "rm", "--yes", "frrown"]);
    const capture = u.run([path.join(u.clone, "bin/netns-lab"), "capture", "r1", "r1-h2"], nb);
    expect(capture.status).toBe(2);
    expect(capture.stderr).toMatch(/capture \(tcpdump switches to its own user\) needs subordinate ids in the sandbox, which maps nltu\w+'s own id alone here: install uidmap/);
    ok([path.join(u.clone, "bin/pulumi"), "destroy", "--yes", "--skip-preview"], nb);
    expect(ok(["bin/netns-lab", "sandbox", "stop"])).toMatch(/sandbox stopped/);
    expect(await settled(() => processesOf(u.name))).toEqual([]);
  });

  test("where new namespaces are refused (a seccomp filter, as a container's profile): up says so and what to do, and changes nothing", async () => {
    // test/fixtures/tools/no-userns.py: unshare(2) fails with EPERM for the command and all it starts.
    const r = u.run(["python3", "test/fixtures/tools/no-userns.py", "bin/pulumi", "up", "--yes", "--skip-preview", "--cwd", path.join(u.home, "mylab")]);
    expect(r.status).not.toBe(0);
    // This machine has a /.dockerenv: the advice for a container (elsewhere, the one naming any seccomp filter or LSM).
    expect(r.stdout).toMatch(/this machine refuses one \(unshare: unshare failed: Operation not permitted\): (in a container, its seccomp profile|no sysctl here forbids it, so a seccomp filter)/);
    expect(r.stdout).toMatch(/seccomp=unconfined.*or run netns-lab as root/);
    expect(await settled(() => processesOf(u.name))).toEqual([]);
    expect(host()).toEqual(before);
  });
});
