// A lab over two machines: the split lab (curo with host1 and router1 on m1, router2 and host2 on m2,
// router1 – router2 a VXLAN tunnel) on the simulated machines of sim/machines.sh, reached over SSH.
// up pings host1 -> host2 across the machines; an MTU change is an in-place update; a VXLAN device
// deleted by hand is reported by refresh and repaired by up; destroy leaves nothing on either
// machine. A machine that cannot be reached fails `up` clearly and leaves the other's part whole.
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanupAfterAll, openStack, previewSteps, REPO, labsDir } from "../support/engine";
import { uniquePrefix } from "../support/names";

jest.setTimeout(600_000);

const SIM = path.join(REPO, "sim", "machines.sh");
const KEY = path.join(REPO, ".sim", "id_ed25519");
const on = (addr: string, args: string[]) =>
  spawnSync("ssh", ["-i", KEY, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=3", `root@${addr}`, "--", ...args], { encoding: "utf8" });
const namespacesOn = (addr: string, prefix: string) => on(addr, ["ip", "netns", "list"]).stdout.split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(prefix));
const pingsOn = (addr: string, ns: string, to: string) => on(addr, ["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", to]).status === 0;
/** What a destroy must leave on a machine: no namespace of ours, no VXLAN device in its root namespace, no hosts file, no agent. */
function leftOn(addr: string, prefix: string): string[] {
  const vxlan = on(addr, ["ip", "-o", "link", "show", "type", "vxlan"]).stdout.trim();
  const hosts = on(addr, ["ls", "-A", "/etc/netns"]).stdout.split("\n").filter((n) => n.startsWith(prefix));
  const agents = on(addr, ["pgrep", "-f", "netns-lab-agent$"]).stdout.trim();
  return [...namespacesOn(addr, prefix), ...(vxlan ? [`vxlan: ${vxlan}`] : []), ...hosts.map((h) => `/etc/netns/${h}`), ...(agents ? [`agent ${agents}`] : [])];
}
/** A simulated machine's namespaces read from here through its mount namespace (sim/machines.sh: its init's /run). */
function localNamespacesOn(machine: string, prefix: string): string[] {
  const init = spawnSync("pgrep", ["-f", `^netns-lab-sim-${machine} infinity$`], { encoding: "utf8" }).stdout.split("\n").filter(Boolean)[0];
  if (!init) return [];
  const r = spawnSync("nsenter", ["-t", init, "-m", "--", "ls", "-A", "/run/netns"], { encoding: "utf8" });
  return r.stdout.split("\n").filter((n) => n.startsWith(prefix));
}
const mtuOn = (addr: string, ns: string, dev: string) => JSON.parse(on(addr, ["ip", "-j", "-n", ns, "link", "show", dev]).stdout)[0].mtu;

describe("the split lab on two simulated machines", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll();
  const opened: Array<{ dispose(): Promise<void> }> = [];
  let broughtUp = false;
  beforeAll(() => {
    broughtUp = !/m1 \S+ up/.test(execFileSync(SIM, ["status"], { encoding: "utf8" }));
    if (broughtUp) execFileSync(SIM, ["up"], { stdio: "inherit" });
  });
  afterAll(async () => {
    // The stacks first (dispose is idempotent), then anything left on the machines, then the machines.
    for (const t of opened) await t.dispose().catch(() => undefined);
    for (const [addr] of [["10.250.0.1"], ["10.250.0.2"]]) for (const ns of namespacesOn(addr, prefix)) on(addr, ["ip", "netns", "del", ns]);
    if (broughtUp) execFileSync(SIM, ["down"], { stdio: "inherit" });
  });

  test("up pings across machines; MTU in place; a deleted VXLAN end repaired; destroy leaves nothing on either", async () => {
    const t = lab.track(await openStack(labsDir(), `split-${prefix.slice(0, -1)}`, { "netns-lab:lab": "split", "netns-lab:prefix": prefix }));
    opened.push(t);
    // Over the command channel (provider/kernel/channel.ts): every command on a machine.
    const trace = path.join(os.tmpdir(), `netns-lab-split-trace-${prefix}`);
    (t.stack.workspace as unknown as { envVars: Record<string, string> }).envVars.NETNS_LAB_TRACE = trace;
    await t.stack.up();
    const commands = fs.readFileSync(trace, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.command && e.where);
    fs.rmSync(trace, { force: true });
    delete (t.stack.workspace as unknown as { envVars: Record<string, string> }).envVars.NETNS_LAB_TRACE;
    expect(commands.length).toBeGreaterThan(20);
    expect(commands.filter((e) => e.via !== "channel")).toEqual([]);
    expect(namespacesOn("10.250.0.1", prefix).sort()).toEqual([`${prefix}host1`, `${prefix}router1`]);
    expect(namespacesOn("10.250.0.2", prefix).sort()).toEqual([`${prefix}host2`, `${prefix}router2`]);
    expect(pingsOn("10.250.0.1", `${prefix}host1`, "192.168.2.2")).toBe(true);
    expect(mtuOn("10.250.0.1", `${prefix}router1`, "router1-router2")).toBe(1450);

    // bin/netns-lab across the machines: verify pings from each node's machine, status reads and
    // names them, exec runs in a node on another machine.
    const env = { ...process.env, ...(t.stack.workspace as unknown as { envVars: Record<string, string> }).envVars };
    const cli = (cmd: string, ...a: string[]) => spawnSync("node", [path.join(REPO, "dist", "cli", "netns-lab.js"), cmd, "--stack", t.stack.name, "--cwd", labsDir(), ...a], { env, encoding: "utf8" });
    const verify = cli("verify");
    expect([verify.status, verify.stdout.trim().split("\n").pop()]).toEqual([0, "all as expected"]);
    const status = cli("status");
    expect(status.stdout).toMatch(/router2 \(router, namespace \S+router2, on m2\)\n\s+router2-router1\s+\S+\s+mtu 1450\s+192\.168\.0\.2\/24/);
    expect(status.stdout).toMatch(/matches the stack/);
    const exec = cli("exec", "host2", "--", "ip", "-br", "addr", "show", "dev", "host2-router2");
    expect([exec.status, exec.stdout, exec.stderr]).toEqual([0, expect.stringContaining("192.168.2.2/24"), ""]);

    // The cable's MTU: both VXLAN ends updated in place.
    await t.stack.setConfig("netns-lab:mtu", { value: "1400" });
    const p = await previewSteps(t.stack);
    expect(p.byOp.update?.sort()).toEqual(["router1-router2", "router2-router1"]);
    expect(p.byOp.replace).toBeUndefined();
    await t.stack.up();
    expect(mtuOn("10.250.0.2", `${prefix}router2`, "router2-router1")).toBe(1400);

    // Deleted by hand on m2: refresh drops it from the state, up makes it again, traffic flows.
    on("10.250.0.2", ["ip", "-n", `${prefix}router2`, "link", "del", "router2-router1"]);
    expect(pingsOn("10.250.0.1", `${prefix}host1`, "192.168.2.2")).toBe(false);
    const refresh = await t.stack.refresh();
    expect(refresh.summary.resourceChanges?.delete).toBeGreaterThanOrEqual(1);
    await t.stack.up();
    expect(pingsOn("10.250.0.1", `${prefix}host1`, "192.168.2.2")).toBe(true);

    await t.stack.destroy();
    expect(leftOn("10.250.0.1", prefix)).toEqual([]);
    expect(leftOn("10.250.0.2", prefix)).toEqual([]);
  });

  test("the command channel's agents killed again and again during up: up fails (or not) saying so, the next up converges, destroy leaves nothing", async () => {
    const p = `${prefix}a`;
    const t = lab.track(await openStack(labsDir(), `splitagent-${prefix.slice(0, -1)}`, { "netns-lab:lab": "split", "netns-lab:prefix": p }));
    opened.push(t);
    let killing = true;
    let kills = 0;
    const killer = (async () => {
      while (killing) {
        for (const addr of ["10.250.0.1", "10.250.0.2"]) if (on(addr, ["pkill", "-KILL", "-f", "netns-lab-agent$"]).status === 0) kills++;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const first = await t.stack.up({ onOutput: () => undefined }).then(() => undefined, (e: Error) => e);
    killing = false;
    await killer;
    expect(kills).toBeGreaterThan(0);
    if (first) expect(first.message).toMatch(/the command channel ended while `[^`]+` was running; it may have taken effect \(run up again|cannot be reached/);
    await t.stack.up({ onOutput: () => undefined });
    expect(pingsOn("10.250.0.1", `${p}host1`, "192.168.2.2")).toBe(true);
    await t.stack.preview({ onOutput: () => undefined, expectNoChanges: true });
    await t.stack.destroy({ onOutput: () => undefined });
    expect(leftOn("10.250.0.1", p)).toEqual([]);
    expect(leftOn("10.250.0.2", p)).toEqual([]);
  });

  test("a machine that cannot be reached: up fails naming it, the other machine's part is whole, and up converges once it is back", async () => {
    const t = lab.track(await openStack(labsDir(), `splitdown-${prefix.slice(0, -1)}`, { "netns-lab:lab": "split", "netns-lab:prefix": `${prefix}u` }));
    opened.push(t);
    // m2 cut off: its port on the underlay bridge goes down.
    execFileSync("ip", ["link", "set", "sim-m2", "down"]);
    try {
      const err = await t.stack.up().then(() => undefined, (e: Error) => e);
      expect(err?.message).toMatch(/machine root@10\.250\.0\.2: cannot be reached over SSH/);
    } finally {
      execFileSync("ip", ["link", "set", "sim-m2", "up"]);
    }
    // Consistent: every namespace made on m1 is in the state (nothing made and forgotten).
    const state = await t.stack.exportStack();
    const recorded = state.deployment.resources.filter((r: { type: string }) => r.type.endsWith(":NetNamespace")).map((r: { id: string }) => r.id).sort();
    expect(namespacesOn("10.250.0.1", `${prefix}u`).sort()).toEqual(recorded.filter((n: string) => n.includes("host1") || n.includes("router1")));
    // Back means reachable again: its port forwards and sshd answers (the test's precondition, not the lab's ordering).
    for (let i = 0; i < 40 && on("10.250.0.2", ["true"]).status !== 0; i++) await new Promise((r) => setTimeout(r, 250));
    // On failure, the engine's error lines (a CommandError's message is the whole output, cut in CI's log).
    await t.stack.up().catch((e: Error) => {
      throw new Error(`the second up failed:\n${e.message.split("\n").filter((l) => /error|fail|cannot/i.test(l)).slice(0, 12).join("\n")}`);
    });
    expect(pingsOn("10.250.0.1", `${prefix}uhost1`, "192.168.2.2")).toBe(true);
    await t.stack.destroy();
    expect(namespacesOn("10.250.0.1", `${prefix}u`)).toEqual([]);
    expect(namespacesOn("10.250.0.2", `${prefix}u`)).toEqual([]);
  });

  test("up SIGKILLed while both machines are being built: the README's recovery converges, nothing doubled, destroy leaves nothing", async () => {
    const p = `${prefix}k`;
    const stack = `splitkill-${prefix.slice(0, -1)}`;
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-splitkill-"));
    const env = { ...process.env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_HOME: path.join(state, "home"), PULUMI_CONFIG_PASSPHRASE: "" };
    const pulumi = (...a: string[]) => {
      const r = spawnSync(path.join(REPO, "bin", "pulumi"), [...a, "--stack", stack], { env, cwd: labsDir(), encoding: "utf8" });
      if (r.status !== 0) throw new Error(`pulumi ${a.join(" ")} failed:\n${r.stdout.split("\n").filter((l) => /error|fail/i.test(l)).slice(0, 8).join("\n")}\n${r.stderr}`);
      return r.stdout;
    };
    try {
      pulumi("stack", "init");
      pulumi("config", "set", "netns-lab:lab", "split");
      pulumi("config", "set", "netns-lab:prefix", p);
      const child = spawn(path.join(REPO, "bin", "pulumi"), ["up", "--yes", "--skip-preview", "--stack", stack], { env, cwd: labsDir(), detached: true, stdio: "ignore" });
      const exited = new Promise((r) => child.on("exit", r));
      // Killed while both machines are being built: the up takes a few seconds over the command
      // channel, so the namespaces are watched in the machines' own /run/netns, from here (ms, not an SSH round trip).
      for (let i = 0; i < 2000 && (localNamespacesOn("m1", p).length < 1 || localNamespacesOn("m2", p).length < 1); i++) await new Promise((r) => setTimeout(r, 10));
      process.kill(-child.pid!, "SIGKILL");
      await exited;
      pulumi("cancel", "--yes");
      pulumi("refresh", "--yes", "--skip-preview", "--clear-pending-creates");
      pulumi("up", "--yes", "--skip-preview");
      expect(namespacesOn("10.250.0.1", p).sort()).toEqual([`${p}host1`, `${p}router1`]);
      expect(namespacesOn("10.250.0.2", p).sort()).toEqual([`${p}host2`, `${p}router2`]);
      expect(on("10.250.0.1", ["ip", "-n", `${p}router1`, "-br", "addr", "show", "dev", "router1-router2"]).stdout.match(/192\.168\.0\.1/g)).toHaveLength(1);
      expect(pingsOn("10.250.0.1", `${p}host1`, "192.168.2.2")).toBe(true);
      pulumi("destroy", "--yes", "--skip-preview");
      expect(namespacesOn("10.250.0.1", p)).toEqual([]);
      expect(namespacesOn("10.250.0.2", p)).toEqual([]);
    } finally {
      try {
        pulumi("destroy", "--yes", "--skip-preview");
      } catch {
        /* the afterAll removes what is left on the machines */
      }
      fs.rmSync(state, { recursive: true, force: true });
      fs.rmSync(path.join(labsDir(), `Pulumi.${stack}.yaml`), { force: true });
    }
  });
});
