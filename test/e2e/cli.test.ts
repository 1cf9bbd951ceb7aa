// bin/netns-lab against a real deployed curo lab: graph (Mermaid, DOT, SVG, --preview), verify in
// both router1 modes, exec, status with drift, and the errors users hit first.
import { spawnSync } from "child_process";
import * as path from "path";
import { cleanupAfterAll, openStack, REPO, TestStack, labsDir } from "../support/engine";
import { sh, uniquePrefix } from "../support/names";

jest.setTimeout(300_000);

const prefix = uniquePrefix();
const stackName = prefix.slice(0, -1);
const lab = cleanupAfterAll(prefix);
let t: TestStack | undefined;
let env: NodeJS.ProcessEnv;

function cli(command: string, ...args: string[]) {
  const r = spawnSync("node", [path.join(REPO, "dist", "cli", "netns-lab.js"), command, "--stack", stackName, "--cwd", labsDir(), ...args], { env, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  t = lab.track(await openStack(labsDir(), stackName, { "netns-lab:lab": "curo", "netns-lab:prefix": prefix, "netns-lab:mode": "kernel" }));
  // The CLI runs bin/pulumi: point it at the test's backend.
  const ws = t.stack.workspace as unknown as { envVars: Record<string, string> };
  env = { ...process.env, ...ws.envVars };
});

test("graph --preview works before anything is deployed", () => {
  const r = cli("graph", "--preview");
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^graph LR/);
  expect(r.out).toContain('host1["host1<br/>host"]');
});

test("a stack that is not up gets a clear error", () => {
  const r = cli("verify");
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/is not up/);
});

describe("after up", () => {
  beforeAll(async () => {
    await t!.stack.up();
  });

  test("graph: Mermaid and DOT name every node with its role and every link with interfaces, addresses, subnet", () => {
    const m = cli("graph").out;
    for (const n of ["host1", "router1", "router2", "host2"]) expect(m).toMatch(new RegExp(`${n}.*${n.startsWith("host") ? "host" : "router"}`));
    expect(m).toContain('host1 ---|"host1-router1 192.168.1.2/24<br/>192.168.1.0/24<br/>router1-host1 192.168.1.1/24"| router1');
    const d = cli("graph", "--format", "dot").out;
    expect(d).toContain('"router1" -- "router2" [label="router1-router2 192.168.0.1/24\\n[ 192.168.0.0/24 ]\\nrouter2-router1 192.168.0.2/24"];');
    expect(d).toContain('"host2" [label="host2\\nhost", shape=box');
  });

  test("graph --format svg: an SVG with the four nodes and three edges", () => {
    const s = cli("graph", "--format", "svg");
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    const titles = (cls: string) => [...s.out.matchAll(new RegExp(`<g id="[^"]*" class="${cls}">\\s*<title>([^<]*)</title>`, "g"))].map((x) => x[1]).sort();
    expect(titles("node")).toEqual(["host1", "host2", "router1", "router2"]);
    expect(titles("edge")).toEqual(["host1&#45;&#45;router1", "router1&#45;&#45;router2", "router2&#45;&#45;host2"]);
    expect(s.out).toContain("192.168.2.0/24");
  });

  test("verify: all green in kernel mode", () => {
    const r = cli("verify");
    expect(r.code).toBe(0);
    expect(r.out).toContain("all as expected");
    expect(r.out).not.toMatch(/FAIL/);
  });

  test("exec passes the command's exit status through; unknown nodes are named", () => {
    expect(cli("exec", "host1", "--", "ping", "-c1", "-W1", "192.168.2.2").code).toBe(0);
    expect(cli("exec", "host1", "--", "sh", "-c", "exit 7").code).toBe(7);
    const r = cli("exec", "host9", "--", "true");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown node "host9": the lab has host1, router1, router2, host2/);
  });

  test("capture -w writes what crosses an interface as a pcap; an unknown interface is named", async () => {
    const file = path.join(require("os").tmpdir(), `${prefix}capture.pcap`);
    const child = require("child_process").spawn("node", [path.join(REPO, "dist", "cli", "netns-lab.js"), "capture", "router1", "router1-host1", "-w", file, "--stack", stackName, "--cwd", labsDir()], { env, stdio: "ignore" });
    try {
      for (let i = 0; i < 50 && !require("fs").existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 3; i++) sh("ip", ["netns", "exec", `${prefix}host1`, "ping", "-c", "1", "-W", "1", "192.168.1.1"]);
    } finally {
      child.kill("SIGINT");
      await new Promise((r) => child.on("exit", r));
    }
    const pcap = require("fs").readFileSync(file);
    require("fs").rmSync(file);
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4); // the pcap magic
    expect(pcap.length).toBeGreaterThan(24 + 3 * 98); // the header and at least the three requests
    const r = cli("capture", "router1", "eth9");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/router1 has no interface "eth9": it has router1-host1, router1-router2/);
  });

  test("status: matches the stack, then marks an address deleted by hand as drift", () => {
    const ok = cli("status");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("matches the stack");
    sh("ip", ["-n", `${prefix}router2`, "addr", "del", "192.168.2.1/24", "dev", "router2-host2"]);
    const r = cli("status");
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/router2 \(router, namespace .*\)\n(.*\n)*  DRIFT IpAddress router2-host2-addr: missing\n/);
    expect(r.out).toMatch(/1 resource\(s\) differ from the stack/);
  });

  test("verify in external mode: the expected failures, and --expect catches a pair that should not reach", async () => {
    await t!.stack.refresh(); // the address the status test deleted by hand
    await t!.stack.setConfig("netns-lab:mode", { value: "external" });
    await t!.stack.up();
    const r = cli("verify");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/host1\s+-\s+-\s+x \(expected\)\s+x \(expected\)/);
    const wrong = cli("verify", "--expect", "host2!router2");
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/unexpected: host2 -> router2: unexpected-ok/);
  });
});
