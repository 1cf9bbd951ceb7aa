// Issue 34: `netns-lab ui` in a real browser — Debian's chromium driven by playwright-core (the
// system browser, no download). The curo lab through the engine: every node and cable on the page,
// a cable taken down by hand marked within 3 s (and the route the kernel dropped with it as drift), traffic shown as a rate on the cable it crosses and
// not on another, a node's panel, a dragged node staying where it was put after a reload, the
// program's next change (preview) marked on the picture, 403
// without the token or from another host name, Ctrl-C; with --exec a terminal in a node (ip addr
// there) and a capture downloaded as a pcap, the shell ended with the terminal and the server. A user's raw-resource program (no Lab, no
// description): its nodes from the state, a process killed by hand marked dead within 3 s. FRR
// routers from a containerlab file: their OSPF neighbours on the picture.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { Browser, chromium, Page } from "playwright-core";
import WebSocket from "ws";
import { cleanupAfterAll, labsDir, openStack, REPO, TestStack } from "../support/engine";
import { userProject } from "../support/project";
import { sh, uniquePrefix } from "../support/names";

jest.setTimeout(300_000);

// make test runs a sample; make test-containerlab (NETNS_LAB_FULL=1) runs the FRR routers' too.
const full = process.env.NETNS_LAB_FULL === "1" ? describe : describe.skip;

// What runs in the page (page.evaluate, waitForFunction) sees the browser's document.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const CHROMIUM = "/usr/bin/chromium";
const quiet = { onOutput: () => undefined };
const servers: ChildProcess[] = [];
let browser: Browser | undefined;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: make system-deps installs Debian's chromium`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});
afterAll(async () => {
  for (const s of servers) if (s.exitCode === null) s.kill("SIGKILL");
  await browser?.close();
});

/** Starts `netns-lab ui` for a stack; its URL once printed. */
async function startUi(cwd: string, stack: string, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<{ url: string; port: number; child: ChildProcess }> {
  const child = spawn("node", [path.join(REPO, "dist", "cli", "netns-lab.js"), "ui", "--stack", stack, "--cwd", cwd, ...extra], { env, stdio: ["ignore", "pipe", "pipe"] });
  servers.push(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`netns-lab ui exited ${code}: ${out}${err}`)));
  });
  return { url, port: Number(new URL(url).port), child };
}

/** A GET with chosen headers: its status. */
const status = (url: string, headers: Record<string, string> = {}) =>
  new Promise<number>((resolve, reject) => http.get(url, { headers }, (r) => (r.resume(), resolve(r.statusCode ?? 0))).on("error", reject));

/** A GET with the token: status, content type and body. */
const download = (url: string, token: string) =>
  new Promise<{ status: number; type?: string; body: Buffer }>((resolve, reject) =>
    http.get(url, { headers: { "x-netns-lab-token": token } }, (r) => {
      const parts: Buffer[] = [];
      r.on("data", (d) => parts.push(d)).on("end", () => resolve({ status: r.statusCode ?? 0, type: r.headers["content-type"], body: Buffer.concat(parts) }));
    }).on("error", reject),
  );

/** A WebSocket handshake to the terminal route: "open", or the HTTP status it was refused with. */
const handshake = (port: number, node: string, headers: Record<string, string>) =>
  new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/terminal/${node}`, { headers });
    ws.on("open", () => (ws.close(), resolve("open")));
    ws.on("unexpected-response", (_req, res) => resolve(String(res.statusCode)));
    ws.on("error", (e) => resolve(e.message));
  });

/** The processes in a namespace (ip netns pids). */
const pidsIn = (ns: string) => spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);

const envOf = (t: TestStack) => ({ ...process.env, ...(t.stack.workspace as unknown as { envVars: Record<string, string> }).envVars });
const attr = (page: Page, sel: string, a: string) => page.locator(sel).getAttribute(a);

describe("the curo lab", () => {
  const prefix = uniquePrefix();
  const stackName = prefix.slice(0, -1);
  const lab = cleanupAfterAll(prefix);
  let t: TestStack;
  let ui: Awaited<ReturnType<typeof startUi>>;
  let page: Page;
  beforeAll(async () => {
    t = lab.track(await openStack(labsDir(), stackName, { "netns-lab:lab": "curo", "netns-lab:prefix": prefix, "netns-lab:mode": "kernel" }));
    await t.stack.up(quiet);
    ui = await startUi(labsDir(), stackName, envOf(t));
    page = await browser!.newPage({ viewport: { width: 1280, height: 640 } });
    await page.goto(ui.url);
    await page.waitForSelector("body[data-ready=true]");
  });

  test("every node and cable, with interface names and addresses; all up", async () => {
    const nodes = await page.locator("[data-node]").evaluateAll((es) => es.map((e) => `${e.getAttribute("data-node")}:${e.getAttribute("data-role")}`));
    expect(nodes.sort()).toEqual(["host1:host", "host2:host", "router1:router", "router2:router"]);
    expect(await page.locator("[data-cable]").count()).toBe(3);
    const svgText = await page.locator("svg#lab").textContent();
    for (const s of ["router1-host1", "192.168.1.1/24", "host1-router1", "192.168.1.2/24", "router1-router2", "192.168.0.2/24", "host2-router2", "192.168.2.2/24"]) expect(svgText).toContain(s);
    await page.waitForFunction(() => [...document.querySelectorAll("[data-cable]")].every((c: any) => c.getAttribute("data-state") === "up"), undefined, { timeout: 5000 });
    // The token left the address bar (the page's cookie carries it).
    expect(page.url()).not.toContain("token=");
  });

  test("a node's panel: its addresses and routes", async () => {
    await page.locator('[data-node="router1"]').click();
    await page.waitForSelector('#panel[data-node="router1"] #addresses li');
    const addrs = await page.locator("#addresses li").allTextContents();
    expect(addrs).toEqual(expect.arrayContaining(["router1-host1 192.168.1.1/24", "router1-router2 192.168.0.1/24"]));
    expect(await page.locator("#routes li").allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^192\.168\.2\.0\/24 via 192\.168\.0\.2 dev router1-router2/)]));
  });

  test("a cable taken down by hand is marked within 3 s, and up again", async () => {
    const cable = await page.evaluate(async () => {
      const r = (await (await fetch("api/lab")).json()) as { lab: { links: Array<{ name: string; ends: Array<{ node: string }> }> } };
      return r.lab.links.find((l: { ends: Array<{ node: string }> }) => l.ends.map((e) => e.node).sort().join() === "router1,router2")!.name;
    });
    spawnSync("ip", ["-n", `${prefix}router1`, "link", "set", "router1-router2", "down"]);
    try {
      await page.waitForSelector(`[data-cable="${cable}"][data-state="down"]`, { timeout: 3000 });
      expect(await page.locator(`[data-cable="${cable}"] text.why`).textContent()).toBe("router1 router1-router2 is set down");
      // The other cables stay up.
      expect(await page.locator('[data-cable][data-state="down"]').count()).toBe(1);
    } finally {
      spawnSync("ip", ["-n", `${prefix}router1`, "link", "set", "router1-router2", "up"]);
    }
    await page.waitForSelector(`[data-cable="${cable}"][data-state="up"]`, { timeout: 3000 });
    // The kernel dropped router1's route through the cable while it was down: drift, as status marks it.
    await page.waitForSelector('[data-node="router1"][data-drift="true"]', { timeout: 15000 });
    expect(await page.locator("#drift").textContent()).toMatch(/^\d+ resource\(s\) drifted$/);
    expect(await page.locator("#drift").getAttribute("title")).toMatch(/RouteTable .*routes/);
  });

  test("traffic shows as a rate on the cable it crosses, not on another", async () => {
    const h1 = await page.evaluate(async () => {
      const r = (await (await fetch("api/lab")).json()) as { lab: { links: Array<{ name: string; ends: Array<{ node: string }> }> } };
      const name = (a: string, b: string) => r.lab.links.find((l: { ends: Array<{ node: string }> }) => l.ends.map((e) => e.node).sort().join() === [a, b].sort().join())!.name;
      return [name("host1", "router1"), name("router2", "host2")];
    });
    // A flood ping from host1 to router1's near address: only host1-router1 carries it (bounded: 4 s).
    const ping = spawn("ip", ["netns", "exec", `${prefix}host1`, "ping", "-f", "-q", "-s", "1200", "-w", "4", "192.168.1.1"], { stdio: "ignore" });
    try {
      await page.waitForFunction(
        ([busy, quiet]) => {
          const r = (n: string, k: string) => Number(document.querySelector(`[data-cable="${n}"]`)?.getAttribute(k) ?? 0);
          return r(busy, "data-rate0") > 1e6 && r(busy, "data-rate1") > 1e6 && r(quiet, "data-rate0") < 1e5 && r(quiet, "data-rate1") < 1e5;
        },
        h1,
        { timeout: 4000 },
      );
      expect(await page.locator(`[data-cable="${h1[0]}"] text.rate`).textContent()).toMatch(/Mb\/s|Gb\/s/);
      // The README's picture (docs/ui-curo.png): NETNS_LAB_UI_SCREENSHOT=FILE makes it, router1's panel open.
      if (process.env.NETNS_LAB_UI_SCREENSHOT) await page.screenshot({ path: process.env.NETNS_LAB_UI_SCREENSHOT });
    } finally {
      ping.kill("SIGKILL");
    }
  });

  test("a dragged node stays where it was put after a reload", async () => {
    const before = await attr(page, '[data-node="host1"]', "transform");
    const box = (await page.locator('[data-node="host1"] .shape').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 120, { steps: 8 });
    await page.mouse.up();
    const moved = await attr(page, '[data-node="host1"]', "transform");
    expect(moved).not.toBe(before);
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    expect(await attr(page, '[data-node="host1"]', "transform")).toBe(moved);
    expect(await attr(page, '[data-node="host2"]', "transform")).not.toBe(moved);
  });

  test("the program's next change on the picture: router1 switched to external mode is marked with its deletes, host2 with its hosts file's update", async () => {
    await t.stack.setConfig("netns-lab:mode", { value: "external" });
    try {
      await page.locator("#preview").click();
      await page.waitForSelector('#preview-result[data-state="done"]', { timeout: 120_000 });
      expect(await page.locator("#preview-result").textContent()).toMatch(/^next up: .*\d+ to (delete|update|replace)/);
      // router1 loses its addresses, route and forwarding; host2 only sees its hosts file updated (router1's names go).
      expect(await attr(page, '[data-node="router1"]', "data-preview")).toMatch(/delete/);
      expect(await attr(page, '[data-node="host2"]', "data-preview")).toBe("update");
      // Nothing was changed by it: the lab is as it was.
      expect(sh("ip", ["-n", `${prefix}router1`, "-br", "address", "show", "dev", "router1-host1"])).toContain("192.168.1.1/24");
      await page.locator("#preview-result button").click();
      expect(await attr(page, '[data-node="router1"]', "data-preview")).toBeNull();
    } finally {
      await t.stack.setConfig("netns-lab:mode", { value: "kernel" });
    }
  });

  test("without the token, or by another host name: 403; the page's cookie is this port's", async () => {
    const base = `http://127.0.0.1:${ui.port}`;
    expect(await status(`${base}/`)).toBe(403);
    expect(await status(`${base}/api/lab`)).toBe(403);
    expect(await status(`${base}/api/lab?token=${"0".repeat(48)}`)).toBe(403);
    expect(await status(ui.url)).toBe(200);
    // DNS rebinding: a page of another site resolving its own name here names its own host.
    expect(await status(ui.url, { host: `evil.example:${ui.port}` })).toBe(403);
    expect(await status(`${base}/api/live`, { "x-netns-lab-token": new URL(ui.url).searchParams.get("token")! })).toBe(200);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name)).toEqual([`netns-lab-ui-${ui.port}`]);
    expect(cookies[0].httpOnly).toBe(true);
  });

  test("without --exec: no terminal and no capture from the page (403)", async () => {
    const token = new URL(ui.url).searchParams.get("token")!;
    const origin = `http://127.0.0.1:${ui.port}`;
    expect(await handshake(ui.port, "router1", { "x-netns-lab-token": token, origin })).toBe("403");
    expect((await download(`${origin}/api/capture/router1/router1-host1?seconds=1`, token)).status).toBe(403);
    expect(await page.locator("#open-terminal").count()).toBe(0);
  });

  test("Ctrl-C: it exits 0 and the port is closed", async () => {
    await page.close();
    const exited = new Promise<number | null>((resolve) => ui.child.on("exit", (code) => resolve(code)));
    ui.child.kill("SIGINT");
    expect(await exited).toBe(0);
    await expect(status(`http://127.0.0.1:${ui.port}/`)).rejects.toThrow(/ECONNREFUSED/);
  });
  test("--exec: a terminal in the node runs ip addr there; a capture downloads as a pcap; the terminal's shell ends with the page's close and with the server", async () => {
    const ex = await startUi(labsDir(), stackName, envOf(t), ["--exec"]);
    const token = new URL(ex.url).searchParams.get("token")!;
    const origin = `http://127.0.0.1:${ex.port}`;
    const p = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      // The handshake is checked as every request: the token, and the page's own origin.
      expect(await handshake(ex.port, "router1", { origin })).toBe("403");
      expect(await handshake(ex.port, "router1", { "x-netns-lab-token": token, origin: "http://evil.example" })).toBe("403");
      expect(await handshake(ex.port, "nosuch", { "x-netns-lab-token": token, origin })).toBe("404");
      await p.goto(ex.url);
      await p.waitForSelector("body[data-ready=true]");
      await p.locator('[data-node="router1"]').click();
      await p.locator("#open-terminal").click();
      await p.waitForSelector('#terminal[data-state="open"][data-node="router1"]');
      await p.keyboard.type("ip -br addr; echo done-$((6*7))\n");
      await p.waitForFunction(() => /done-42/.test(document.querySelector("#terminal .xterm-rows")?.textContent ?? ""), undefined, { timeout: 10_000 });
      const screen = (await p.locator("#terminal .xterm-rows").textContent())!;
      expect(screen).toMatch(/router1-host1@\S+\s+UP\s+192\.168\.1\.1\/24/);
      expect(screen).toMatch(/router1-router2@\S+\s+UP\s+192\.168\.0\.1\/24/);
      expect(screen).not.toContain("192.168.1.2/24"); // host1's, not router1's
      expect(pidsIn(`${prefix}router1`).length).toBeGreaterThan(0); // the shell
      await p.locator("#terminal-close").click();
      for (let i = 0; i < 60 && pidsIn(`${prefix}router1`).length; i++) await new Promise((r) => setTimeout(r, 50));
      expect(pidsIn(`${prefix}router1`)).toEqual([]);

      // A capture of router1-host1 while host1 pings router1: ICMP in the pcap.
      const ping = spawn("ip", ["netns", "exec", `${prefix}host1`, "ping", "-i", "0.2", "-c", "15", "192.168.1.1"], { stdio: "ignore" });
      const got = await download(`${origin}/api/capture/router1/router1-host1?seconds=2`, token);
      ping.kill("SIGKILL");
      expect([got.status, got.type]).toEqual([200, "application/vnd.tcpdump.pcap"]);
      expect(got.body.readUInt32LE(0).toString(16)).toBe("a1b2c3d4"); // pcap's magic
      const file = path.join(fs.mkdtempSync(path.join(require("os").tmpdir(), "netns-lab-ui-")), "c.pcap");
      fs.writeFileSync(file, got.body);
      expect(spawnSync("tcpdump", ["-n", "-r", file], { encoding: "utf8" }).stdout).toMatch(/192\.168\.1\.2 > 192\.168\.1\.1: ICMP echo request/);
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      expect((await download(`${origin}/api/capture/router1/${encodeURIComponent("../x")}?seconds=1`, token)).status).toBe(400);
      expect((await download(`${origin}/api/capture/router1/router1-host1?seconds=600`, token)).status).toBe(400);

      // A terminal open when the server stops: its shell ends with it.
      await p.locator("#open-terminal").click();
      await p.waitForSelector('#terminal[data-state="open"]');
      await p.keyboard.type("echo ready-$((2*3))\n");
      await p.waitForFunction(() => /ready-6/.test(document.querySelector("#terminal .xterm-rows")?.textContent ?? ""), undefined, { timeout: 10_000 });
      expect(pidsIn(`${prefix}router1`).length).toBeGreaterThan(0);
      const exited = new Promise<number | null>((resolve) => ex.child.on("exit", (code) => resolve(code)));
      ex.child.kill("SIGINT");
      expect(await exited).toBe(0);
      for (let i = 0; i < 60 && pidsIn(`${prefix}router1`).length; i++) await new Promise((r) => setTimeout(r, 50));
      expect(pidsIn(`${prefix}router1`)).toEqual([]);
    } finally {
      await p.close();
      ex.child.kill("SIGKILL");
    }
  });
});

describe("a user's raw-resource program (no Lab)", () => {
  const src = path.join(REPO, "test", "programs", "inside");
  const dir = userProject(Object.fromEntries(fs.readdirSync(src).map((f) => [f, fs.readFileSync(path.join(src, f), "utf8")])));
  const prefix = uniquePrefix();
  const stackName = prefix.slice(0, -1);
  const lab = cleanupAfterAll(prefix);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("its namespaces and cables from the state; a process killed by hand marked dead within 3 s, running again after an up --refresh without a reload", async () => {
    const t = lab.track(await openStack(dir, stackName, {}));
    await t.stack.up(quiet);
    const ui = await startUi(dir, stackName, envOf(t));
    const page = await browser!.newPage();
    try {
      await page.goto(ui.url);
      await page.waitForSelector("body[data-ready=true]");
      const names = await page.locator("[data-node]").evaluateAll((es) => es.map((e) => e.getAttribute("data-node")));
      expect(names.sort()).toEqual(["a", "o", "r"].map((n) => `${stackName}-${n}`));
      expect((await page.locator("[data-cable]").evaluateAll((es) => es.map((e) => e.getAttribute("data-cable")))).sort()).toEqual(["a-r", "r-o"]);
      const a = `[data-node="${stackName}-a"]`;
      await page.waitForSelector(`${a}[data-processes="a-sleeper:running"]`, { timeout: 5000 });
      const pid = (await t.stack.exportStack()).deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::a-sleeper")).outputs.pid;
      process.kill(pid, "SIGKILL");
      await page.waitForSelector(`${a}[data-dead="true"]`, { timeout: 3000 });
      expect(await page.locator(`${a} text.bad`).textContent()).toBe("dead: a-sleeper");
      expect(await attr(page, `[data-node="${stackName}-o"]`, "data-dead")).toBe("false");
      // An up with refresh (refresh drops the dead process, up starts it anew: another pid): the page,
      // not reloaded, reads the stack again and shows it running.
      await t.stack.up({ refresh: true, onOutput: () => undefined });
      await page.waitForSelector(`${a}[data-processes="a-sleeper:running"]`, { timeout: 20_000 });
      expect(await attr(page, a, "data-dead")).toBe("false");
    } finally {
      await page.close();
      ui.child.kill("SIGINT");
    }
  });
});

full("FRR routers (frr-ospf.clab.yml): routing neighbours on the picture", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  afterAll(() => {
    // Whatever a failed test left: its daemons and their files.
    spawnSync("pkill", ["-KILL", "-f", `/usr/lib/frr/.* -N ${prefix}`]);
    for (const r of ["r1", "r2", "r3"]) for (const d of ["/var/run/frr", "/etc/frr"]) fs.rmSync(`${d}/${prefix}${r}`, { recursive: true, force: true });
  });

  test("each router's OSPF neighbours, Full of all (FRR's own vtysh, in its pathspace); a killed ospfd marked dead", async () => {
    const stack = `uifrr-${prefix.slice(0, -1)}`;
    const t = lab.track(await openStack(labsDir(), stack, { "netns-lab:lab": "clab", "netns-lab:file": path.join(REPO, "examples", "clab", "frr-ospf", "frr-ospf.clab.yml"), "netns-lab:prefix": prefix }));
    await t.stack.up(quiet);
    const ui = await startUi(labsDir(), stack, envOf(t));
    const page = await browser!.newPage();
    try {
      await page.goto(ui.url);
      await page.waitForSelector("body[data-ready=true]");
      // OSPF converging (hello 1 s, dead 4 s): the protocol's time, bounded.
      for (const r of ["r1", "r2", "r3"]) await page.waitForSelector(`[data-node="${r}"][data-neighbours="ospf 2/2"]`, { timeout: 60_000 });
      expect(await page.locator('[data-node="r2"] text.nb').textContent()).toBe("ospf 2/2");
      expect(await attr(page, '[data-node="pc1"]', "data-neighbours")).toBe("");
      const ospfd = spawnSync("pgrep", ["-f", `^/usr/lib/frr/ospfd -N ${prefix}r3 `], { encoding: "utf8" }).stdout.trim();
      expect(ospfd).toMatch(/^\d+$/);
      process.kill(Number(ospfd), "SIGKILL");
      await page.waitForSelector('[data-node="r3"][data-dead="true"]', { timeout: 3000 });
      expect(await page.locator('[data-node="r3"] text.bad').textContent()).toBe("dead: ospfd");
    } finally {
      await page.close();
      ui.child.kill("SIGINT");
    }
  });
});
