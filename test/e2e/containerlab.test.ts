// Issue 23: containerlab topology files (examples/clab, written in containerlab's format) deployed
// as they are through the clab stack (stacks/index.ts: netns-lab:lab clab, netns-lab:file), with a
// test prefix instead of clab-<name>-: reachability as each lab intends, refresh and preview of an
// edited exec line and link MTU exactly, FRR routers running OSPF with vtysh -N reaching them, and
// destroy leaving no namespace, process or FRR file.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanupAfterAll, labsDir, openStack, previewSteps, REPO } from "../support/engine";
import { namespaces, pings, sh, uniquePrefix } from "../support/names";

jest.setTimeout(600_000);
const quiet = { onOutput: () => undefined };
const EX = path.join(REPO, "examples", "clab");

/** A copy of an example's directory to edit (made when the block's tests start, removed after): the topology file's path in it. */
function copyOf(rel: string): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-"));
    fs.cpSync(path.join(EX, path.dirname(rel)), dir, { recursive: true });
  });
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));
  return () => path.join(dir!, path.basename(rel));
}
const ours = (prefix: string) => namespaces().filter((n) => n.startsWith(prefix));

describe("two linux nodes and a cable (two-nodes.clab.yml)", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  const copy = copyOf("two-nodes.clab.yml");

  test("up: the exec lines' addresses reach; no change after; refresh finds none", async () => {
    const file = copy();
    const t = lab.track(await openStack(labsDir(), `clab2-${prefix.slice(0, -1)}`, { "netns-lab:lab": "clab", "netns-lab:file": file, "netns-lab:prefix": prefix }));
    const up = await t.stack.up(quiet);
    expect(ours(prefix).sort()).toEqual([`${prefix}n1`, `${prefix}n2`]);
    expect(up.outputs.ping.value).toBe(`ip netns exec ${prefix}n1 ping -c 3 -W 1 10.10.0.2`);
    expect(pings(`${prefix}n1`, "10.10.0.2")).toBe(true);
    // The description knows the exec lines' addresses (verify pings them; hosts files name them).
    expect(up.outputs.description.value.nodes.map((n: { name: string; interfaces: Array<{ address?: string }> }) => [n.name, n.interfaces[0].address])).toEqual([["n1", "10.10.0.1/24"], ["n2", "10.10.0.2/24"]]);
    expect(sh("ip", ["netns", "exec", `${prefix}n1`, "getent", "hosts", "n2"])).toMatch(/^10\.10\.0\.2\s+n2/);
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    const refreshed = await t.stack.refresh(quiet);
    expect(refreshed.summary.resourceChanges).not.toHaveProperty("update");
    expect(refreshed.summary.resourceChanges).not.toHaveProperty("delete");

    // An edited exec line: that Command is replaced (it has no update line), and the hosts files follow its address.
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("10.10.0.2/24", "10.10.0.3/24"));
    let p = await previewSteps(t.stack);
    expect(p.byOp.replace).toEqual(["n2-exec-1"]);
    expect((p.byOp.update ?? []).sort()).toEqual(["n1-hosts", "n2-hosts"]);
    await t.stack.up(quiet);
    expect(pings(`${prefix}n1`, "10.10.0.3")).toBe(true);

    // A link's MTU: the cable is updated in place, nothing else.
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(`    - endpoints: ["n1:eth1", "n2:eth1"]`, `    - endpoints: ["n1:eth1", "n2:eth1"]\n      mtu: 9000`));
    p = await previewSteps(t.stack);
    expect(p.byOp.update).toEqual(["n1-eth1--n2-eth1"]);
    expect(p.diffs["n1-eth1--n2-eth1"]).toEqual(["mtu"]);
    expect(p.byOp.replace ?? []).toEqual([]);
    await t.stack.up(quiet);
    for (const n of ["n1", "n2"]) expect(sh("ip", ["-n", `${prefix}${n}`, "link", "show", "eth1"])).toMatch(/mtu 9000/);

    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
  });
});

describe("#31 item 2: a plain node's binds (a file of our own, containerlab's format), held by a filesystem of its own", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-binds-"));
    fs.mkdirSync(path.join(dir, "site"));
    fs.writeFileSync(path.join(dir, "site", "index.html"), `<p>${prefix}</p>\n`);
    fs.writeFileSync(path.join(dir, "app.conf"), "port = 8080\n");
    fs.writeFileSync(path.join(dir, "web.clab.yml"), [
      "name: web",
      "topology:",
      "  nodes:",
      "    web:",
      "      kind: linux",
      "      image: nginx:alpine",
      "      binds:",
      "        - site:/var/www/site:ro",
      "        - app.conf:/etc/app.conf",
      "      exec:",
      // Where the bind is seen: in the node's own /tmp (the host's /tmp never gets it).
      `        - cp /var/www/site/index.html /tmp/${prefix}index.html`,
      "    peer:",
      "      kind: linux",
      "  links:",
      '    - endpoints: ["web:eth1", "peer:eth1"]',
      "",
    ].join("\n"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("up: the exec line sees the bound directory; it is read-only there; the host's /tmp untouched; destroy leaves no namespace and no mount", async () => {
    const t = lab.track(await openStack(labsDir(), `clabbind-${prefix.slice(0, -1)}`, { "netns-lab:lab": "clab", "netns-lab:file": path.join(dir, "web.clab.yml"), "netns-lab:prefix": prefix }));
    await t.stack.up(quiet);
    const inWeb = (...argv: string[]) => spawnSync("nsenter", [`--net=/run/netns/${prefix}web`, `--mount=/run/netns-lab/fs/${prefix}web/mnt`, "--", ...argv], { encoding: "utf8" });
    expect(inWeb("cat", `/tmp/${prefix}index.html`).stdout).toBe(`<p>${prefix}</p>\n`);
    expect(inWeb("cat", "/etc/app.conf").stdout).toBe("port = 8080\n");
    expect(inWeb("touch", "/var/www/site/new").stderr).toMatch(/Read-only file system/);
    expect(fs.existsSync(`/tmp/${prefix}index.html`)).toBe(false);
    expect(fs.existsSync("/var/www/site")).toBe(false); // its mount point made in the node's own /var
    // peer has no binds: no filesystem of its own.
    expect(fs.existsSync(`/run/netns-lab/fs/${prefix}peer`)).toBe(false);
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(`/run/netns-lab/fs/${prefix}`);
  });
});

describe("hosts on a bridge (bridge.clab.yml): a group, defaults, env in exec, the extended link form", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);

  test("up: every host reaches every other through the bridge; the extended link's MTU and MAC are set; destroy leaves nothing", async () => {
    const t = lab.track(await openStack(labsDir(), `clabbr-${prefix.slice(0, -1)}`, { "netns-lab:lab": "clab", "netns-lab:file": path.join(EX, "bridge.clab.yml"), "netns-lab:prefix": prefix }));
    await t.stack.up(quiet); // h3's last exec line fails the up unless its env is the merged one
    expect(ours(prefix).sort()).toEqual(["h1", "h2", "h3", "sw"].map((n) => `${prefix}${n}`));
    for (const [from, to] of [["h1", "10.20.0.2"], ["h1", "10.20.0.3"], ["h3", "10.20.0.2"]]) expect(pings(`${prefix}${from}`, to)).toBe(true);
    expect(sh("ip", ["-n", `${prefix}sw`, "-o", "link", "show", "master", "sw"]).match(/: p\d@/g)?.length).toBe(3);
    const h3 = sh("ip", ["-n", `${prefix}h3`, "link", "show", "eth1"]);
    expect(h3).toMatch(/mtu 1400/);
    expect(h3).toMatch(/link\/ether 02:00:00:00:00:03/);
    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
  });
});

describe("FRR routers running OSPF, PCs configured by exec (frr-ospf.clab.yml)", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  const frrProcesses = () => spawnSync("pgrep", ["-af", `/usr/lib/frr/.* -N ${prefix}`], { encoding: "utf8" }).stdout.trim();
  afterAll(() => {
    // Whatever a failed test left: its daemons and their files.
    spawnSync("pkill", ["-KILL", "-f", `/usr/lib/frr/.* -N ${prefix}`]);
    for (const r of ["r1", "r2", "r3"]) fs.rmSync(`/var/run/frr/${prefix}${r}`, { recursive: true, force: true });
  });

  test("up: FRR in each router (its daemons file's daemons, its frr.conf), OSPF converges, pc1 reaches pc2; vtysh -N reaches each; destroy leaves no process or FRR file", async () => {
    const t = lab.track(await openStack(labsDir(), `clabfrr-${prefix.slice(0, -1)}`, { "netns-lab:lab": "clab", "netns-lab:file": path.join(EX, "frr-ospf", "frr-ospf.clab.yml"), "netns-lab:prefix": prefix }));
    const up = await t.stack.up(quiet);
    expect(up.outputs.ping.value).toBe(`ip netns exec ${prefix}r1 ping -c 3 -W 1 192.168.33.2`);
    const procs = frrProcesses();
    for (const r of ["r1", "r2", "r3"]) for (const d of ["zebra", "ospfd", "staticd"]) expect(procs).toContain(`/usr/lib/frr/${d} -N ${prefix}${r} `);
    // Each with its daemons file's options (zebra_options="  -A 127.0.0.1 -s 90000000" in r1's), as FRR's start script gives them.
    expect(procs).toContain(`/usr/lib/frr/zebra -N ${prefix}r1 -f /var/run/frr/${prefix}r1/frr.conf -u frr -g frr -A 127.0.0.1 -s 90000000`);
    // OSPF converging (hello 1 s, dead 4 s): the routing protocol's time, bounded.
    let reached = false;
    for (let i = 0; i < 60 && !(reached = pings(`${prefix}pc1`, "192.168.33.2")); i++) await new Promise((r) => setTimeout(r, 1000));
    expect(reached).toBe(true);
    expect(sh("ip", ["netns", "exec", `${prefix}pc1`, "ping", "-c", "1", "-W", "2", "192.168.33.2"])).toMatch(/ttl=6[12]/); // pc1 - r1 - (r2 -) r3 - pc2: two routers, or three while OSPF settles
    const neighbors = sh("vtysh", ["-N", `${prefix}r2`, "-c", "show ip ospf neighbor"]);
    expect(neighbors.match(/Full/g)?.length).toBe(2);
    // r2, between them, learns both PC networks by OSPF (over either ring neighbour while it settles).
    let routes = "";
    for (let i = 0; i < 30 && !/192\.168\.11\.0\/24 .*proto ospf[\s\S]*192\.168\.33\.0\/24 .*proto ospf/.test((routes = sh("ip", ["-n", `${prefix}r2`, "route"]))); i++) await new Promise((r) => setTimeout(r, 1000));
    expect(routes).toMatch(/192\.168\.11\.0\/24 .*proto ospf[\s\S]*192\.168\.33\.0\/24 .*proto ospf/);
    // netns-lab verify, as a user runs it: every address of every node from every node.
    const verify = spawnSync(path.join(REPO, "bin", "netns-lab"), ["verify", "--wait", "30", "--stack", `clabfrr-${prefix.slice(0, -1)}`, "--cwd", labsDir()], {
      encoding: "utf8",
      env: { ...process.env, ...t.stack.workspace.envVars },
    });
    expect(verify.stdout).toMatch(/all as expected/);
    await t.stack.preview({ ...quiet, expectNoChanges: true });

    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
    expect(frrProcesses()).toBe("");
    for (const r of ["r1", "r2", "r3"]) {
      expect(fs.existsSync(`/var/run/frr/${prefix}${r}`)).toBe(false);
    }
    expect(fs.readdirSync("/var/run/frr").filter((d) => d.startsWith(prefix))).toEqual([]);
  });
});
