// Issue 31: a netlab topology of our own (netlab's format: three FRR routers in an OSPF triangle,
// a Linux host on two of them) from a 3-line program in a user's project: netlab itself transforms
// it (its addressing, its configurations), netns-lab runs it as namespaces. Up, every pair reaches
// every other (verify), OSPF adjacencies Full in the node's own FRR, the topology's validate tests
// pass through netns-lab validate (netlab's own plugins) and a failing one fails it; an edit of one link's OSPF
// cost previews exactly the two routers on it (the rest keep their identity: r3's zebra keeps its
// pid), applies in place, converges again; a link removed (netlab renumbers the interfaces after it)
// applies too; each node has its own host name; a daemon killed comes back
// with netlab's configuration (refresh, up); destroy leaves no namespace, daemon or mount; the host's
// files and the user's topology directory are untouched.
// Behind `make test-netlab` (NETNS_LAB_FULL=1): BGP (IBGP and EBGP) over IS-IS, dual stack, validated
// by netlab's own bgp_neighbor, bgp_prefix, isis_neighbor and ping plugins; an AS edit.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanupAfterAll, openStack, previewSteps, REPO } from "../support/engine";
import { userProject } from "../support/project";
import { namespaces, uniquePrefix } from "../support/names";
import { FS_ROOT } from "../../provider/kernel/nodefs";
import { netlabCommand } from "../../provider/components/netlab";
import { ospfTriangle as topology } from "../support/netlab";

jest.setTimeout(900_000);

const ready = process.getuid?.() === 0 && fs.existsSync("/usr/lib/frr/zebra") && fs.existsSync(netlabCommand());
const d = ready ? describe : describe.skip;

function digest(p0: string): string {
  if (!fs.existsSync(p0)) return "absent";
  const h = crypto.createHash("sha256");
  const walk = (p1: string) => {
    const st = fs.lstatSync(p1);
    h.update(`${p1}\0${st.mode}\0`);
    if (st.isFile()) h.update(fs.readFileSync(p1));
    else if (st.isDirectory()) for (const e of fs.readdirSync(p1).sort()) walk(path.join(p1, e));
  };
  walk(p0);
  return h.digest("hex");
}
const HOST = ["/etc/frr", "/root/.bash_profile", "/tmp/config", "/etc/config", "/etc/hosts"];

/** A user's project (a 3-line program, netlab's topology at `topo`) and a netlab work directory of
 * the stack's, made in beforeAll (a skipped block's body still runs to collect its tests, its
 * afterAll does not) and removed after. */
function netlabProject(project: string, topo: string, text: () => string): { dir: string; work: string } {
  const p = { dir: "", work: "" };
  beforeAll(() => {
    p.work = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-netlab-work-"));
    p.dir = userProject({
      "Pulumi.yaml": `name: ${project}\nruntime: nodejs\nmain: index.ts\n`,
      "package.json": JSON.stringify({ name: project, private: true }),
      "index.ts": [
        `import { netlab } from "netns-lab";`,
        `const lab = netlab(${JSON.stringify(topo)}, { workDir: ${JSON.stringify(p.work)} });`,
        `export const description = lab.describe();`,
      ].join("\n"),
      [topo]: text(),
    });
  });
  afterAll(() => {
    fs.rmSync(p.dir, { recursive: true, force: true });
    fs.rmSync(p.work, { recursive: true, force: true });
  });
  return p;
}

/** The pid of an FRR daemon in a network namespace. */
const daemonIn = (ns: string, daemon: string) =>
  spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number).find((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(`/usr/lib/frr/${daemon}\0`);
    } catch {
      return false;
    }
  });

/** FRR daemons a project's labs run still. */
const frrOf = (project: string) =>
  spawnSync("pgrep", ["-f", "^/usr/lib/frr/"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/environ`, "utf8").includes(`NETNS_LAB_OWNER=${project}/`);
    } catch {
      return false;
    }
  });

d("#31: a netlab topology as a lab", () => {
  const prefix = uniquePrefix(); // "nlt…-": the lab's name is the prefix's stem, so namespaces are <name>-<node>
  const name = prefix.replace(/-$/, "");
  const lab = cleanupAfterAll(prefix);
  const project = netlabProject("my-netlab", "topo/topology.yml", () => topology(name, "- r1-r2"));
  const cli = (...args: string[]) => spawnSync("node", [path.join(REPO, "dist", "cli", "netns-lab.js"), ...args], { cwd: project.dir, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...envOf() } });
  let envOf: () => Record<string, string> = () => ({});
  const daemonOf = (node: string, daemon: string) => daemonIn(`${name}-${node}`, daemon);
  const zebraOf = (node: string) => daemonOf(node, "zebra");
  const fullOn = async (node: string, want: number) => {
    let out = "";
    for (let i = 0; i < 90 && (out.match(/Full/g)?.length ?? 0) < want; i++) {
      if (i) await new Promise((r) => setTimeout(r, 1000));
      out = spawnSync("nsenter", [`--net=/run/netns/${name}-${node}`, `--mount=${FS_ROOT}/${name}-${node}/mnt`, "vtysh", "-c", "show ip ospf neighbor"], { encoding: "utf8" }).stdout;
    }
    return out.match(/Full/g)?.length ?? 0;
  };

  test("up, verify, OSPF Full; an edit previews and applies exactly its two routers; destroy leaves nothing; the host's files untouched", async () => {
    const before = HOST.map(digest);
    const topoDir = () => fs.readdirSync(path.join(project.dir, "topo")).sort();
    const topoBefore = topoDir();
    const t = lab.track(await openStack(project.dir, "dev", {}));
    envOf = () => ({ PULUMI_BACKEND_URL: (t.stack.workspace as any).envVars.PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE: "" });
    await t.stack.up();
    expect(namespaces().filter((n) => n.startsWith(prefix)).sort()).toEqual(["h1", "h2", "r1", "r2", "r3"].map((n) => prefix + n));
    expect(await fullOn("r2", 2)).toBe(2);
    // #35 item 7: vtysh in a node finds its vtysh.conf (the node's own /etc/frr): no complaint on each call.
    const vtysh = spawnSync("nsenter", [`--net=/run/netns/${name}-r2`, `--mount=${FS_ROOT}/${name}-r2/mnt`, "vtysh", "-c", "show version"], { encoding: "utf8" });
    expect([vtysh.status, vtysh.stderr]).toEqual([0, ""]);
    const verify = cli("verify", "--stack", "dev", "--wait", "60");
    expect(verify.stdout).toMatch(/all as expected/);
    // Names resolve in a node through netlab's hosts file, bound into its own /etc/hosts.
    expect(cli("exec", "h1", "--stack", "dev", "--", "ping", "-c", "1", "-W", "2", "h2").status).toBe(0);
    // The topology's own validate tests, by netlab itself: a show/valid test in r2's FRR (vtysh, JSON), its ping plugin in h1.
    // (Its ospf_neighbor plugin asks FRR for "show ip ospf vrf default neighbor ID detail json", which Debian's FRR 8.4 refuses.)
    const validate = cli("validate", "--stack", "dev");
    expect(validate.stderr + validate.stdout).toMatch(/adj[\s\S]*PASS[\s\S]*ping[\s\S]*PASS/);
    expect(validate.status).toBe(0);
    // A test that fails (netlab's --source: tests of another file; no wait): exit 1, the test named.
    fs.writeFileSync(path.join(project.work, "far.yml"), "far:\n  description: h1 reaches an address no node has\n  nodes: [ h1 ]\n  plugin: ping('192.0.2.1')\n");
    const far = cli("validate", "--stack", "dev", "--", "--skip-wait", "--source", path.join(project.work, "far.yml"));
    expect(far.status).toBe(1);
    expect(far.stderr + far.stdout).toMatch(/far[\s\S]*FAIL/);
    // netlab's output is reused while what it reads is unchanged: a no-change preview runs no netlab.
    const made = () => fs.statSync(path.join(project.work, "netlab.json")).mtimeMs;
    const firstMade = made();
    expect((await previewSteps(t.stack)).counts).toEqual({ same: expect.any(Number) });
    expect(made()).toBe(firstMade);
    const r3zebra = zebraOf("r3");
    expect(r3zebra).toBeGreaterThan(0);
    // Each node has its own host name (as in netlab's containers: FRR tells its peers the system's, not its configured one).
    expect(cli("exec", "r2", "--stack", "dev", "--", "hostname").stdout.trim()).toBe("r2");
    expect(fs.readFileSync("/proc/sys/kernel/hostname", "utf8").trim()).toBe(os.hostname());

    // A daemon that dies: refresh notices, up starts it anew and netlab's configuration (vtysh scripts, not
    // saved in frr.conf) goes into it again, so r1 is OSPF's again.
    const r1ospfd = daemonOf("r1", "ospfd")!;
    expect(r1ospfd).toBeGreaterThan(0);
    process.kill(r1ospfd, "SIGKILL");
    await t.stack.refresh();
    await t.stack.up();
    expect(daemonOf("r1", "ospfd")).not.toBe(r1ospfd);
    expect(zebraOf("r3")).toBe(r3zebra);
    expect(await fullOn("r1", 2)).toBe(2); // r1's own new ospfd (r2 would still list the old one as Full until its dead interval)
    expect((await previewSteps(t.stack)).counts).toEqual({ same: expect.any(Number) });

    // The edit: one link's OSPF cost. netlab changes the configuration of r1 and r2 only.
    fs.writeFileSync(path.join(project.dir, "topo", "topology.yml"), topology(name, "- r1:\n  r2:\n  ospf.cost: 20"));
    const steps = await previewSteps(t.stack);
    expect(made()).toBeGreaterThan(firstMade); // the edit: netlab ran again
    const touched = [...new Set(Object.entries(steps.byOp).filter(([op]) => op !== "same").flatMap(([, names]) => names))];
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.filter((n) => !/^(r1|r2)-/.test(n))).toEqual([]);
    expect(touched.some((n) => n.startsWith("r1-")) && touched.some((n) => n.startsWith("r2-"))).toBe(true);
    await t.stack.up();
    expect(zebraOf("r3")).toBe(r3zebra); // r3 kept its identity
    expect(await fullOn("r2", 2)).toBe(2);
    expect(spawnSync("nsenter", [`--net=/run/netns/${name}-r1`, `--mount=${FS_ROOT}/${name}-r1/mnt`, "vtysh", "-c", "show ip ospf interface eth1"], { encoding: "utf8" }).stdout).toMatch(/Cost: 20/);
    expect(cli("verify", "--stack", "dev", "--wait", "60").stdout).toMatch(/all as expected/);
    expect(cli("validate", "--stack", "dev").status).toBe(0); // green again after the edit
    expect((await previewSteps(t.stack)).counts).toEqual({ same: expect.any(Number) });

    // A link removed: netlab numbers interfaces in link order, so h1's link becomes r1's eth2 and
    // h2's r3's eth2, names the removed cable held until the engine deletes it, after the creates.
    fs.writeFileSync(path.join(project.dir, "topo", "topology.yml"), topology(name, "- r1:\n  r2:\n  ospf.cost: 20", ""));
    const removal = await previewSteps(t.stack);
    expect(removal.byOp.delete ?? []).toContain("r3-eth2--r1-eth2");
    expect(removal.byOp.create ?? []).toEqual(expect.arrayContaining(["h1-eth1--r1-eth2", "h2-eth1--r3-eth2"]));
    await t.stack.up();
    expect(spawnSync("ip", ["-n", `${name}-r1`, "-o", "link", "show", "eth3"], { encoding: "utf8" }).status).not.toBe(0);
    expect(await fullOn("r2", 2)).toBe(2);
    expect(cli("verify", "--stack", "dev", "--wait", "60").stdout).toMatch(/all as expected/);
    expect(cli("validate", "--stack", "dev").status).toBe(0);
    expect((await previewSteps(t.stack)).counts).toEqual({ same: expect.any(Number) });

    await t.stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(frrOf("my-netlab")).toEqual([]);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(`${FS_ROOT}/${prefix}`);
    expect(HOST.map(digest)).toEqual(before);
    expect(topoDir()).toEqual(topoBefore); // netlab wrote in the stack's work directory, not beside the topology
  });
});

d("#31 item 6: link aggregation on a kernel without bonding is refused by up before anything is made, naming node, module and the kernel's lack", () => {
  const prefix = uniquePrefix();
  const name = prefix.replace(/-$/, "");
  const lab = cleanupAfterAll(prefix);
  const project = netlabProject("my-lag", "topology.yml", () => `name: ${name}\ndefaults.device: frr\nmodule: [ lag ]\nnodes: [ r1, r2 ]\nlinks:\n- lag:\n    members: [ r1-r2, r1-r2 ]\n`);
  const bonding = spawnSync("unshare", ["--net", "--", "ip", "link", "add", "nl-probe", "type", "bond"]).status === 0;
  (bonding ? test.skip : test)("up fails with the reason; no namespace, no state", async () => {
    const t = lab.track(await openStack(project.dir, "dev", {}));
    const err = await t.stack.up().then(() => undefined, (e: Error) => e);
    expect(String(err)).toContain("node r1: module lag needs bonding devices (link aggregation), which this kernel lacks (ip link add type bond fails)");
    expect(String(err)).toContain("node r2: module lag needs bonding devices");
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(((await t.stack.exportStack()).deployment.resources ?? []).map((r: { type: string }) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });
});

const full = ready && process.env.NETNS_LAB_FULL === "1";
(full ? describe : describe.skip)("#31: BGP over IS-IS, dual stack, by netlab's own plugins", () => {
  const prefix = uniquePrefix();
  const name = prefix.replace(/-$/, "");
  const lab = cleanupAfterAll(prefix);
  // AS 65001 (a1, a2: IS-IS inside, IBGP between loopbacks), AS 65002 (b1); a host behind a1 and one behind b1.
  const topology = (bAs: number) => `# BGP over IS-IS, dual stack (netns-lab's own test topology)
name: ${name}
defaults.device: frr
module: [ isis, bgp ]
addressing:
  loopback:
    ipv6: 2001:db8:0::/48
  lan:
    ipv6: 2001:db8:1::/48
  p2p:
    ipv6: 2001:db8:2::/48
nodes:
  a1:
    bgp.as: 65001
  a2:
    bgp.as: 65001
  b1:
    bgp.as: ${bAs}
    module: [ bgp ]
  h1:
    device: linux
  h2:
    device: linux
links:
- a1-a2
- a2-b1
- h1-a1
- h2-b1
validate:
  isis:
    description: a2 has a1 as its IS-IS neighbour (by a1's host name)
    wait: 60
    nodes: [ a2 ]
    plugin: isis_neighbor('a1')
  ibgp:
    description: the IBGP session a1-a2 is up
    wait: 60
    nodes: [ a1 ]
    plugin: bgp_neighbor(node.bgp.neighbors, 'a2')
  ebgp:
    description: the EBGP session a2-b1 is up
    wait: 60
    nodes: [ a2 ]
    plugin: bgp_neighbor(node.bgp.neighbors, 'b1')
  ebgp6:
    description: the IPv6 EBGP session a2-b1 is up
    wait: 60
    nodes: [ a2 ]
    plugin: bgp_neighbor(node.bgp.neighbors, 'b1', af='ipv6')
  prefix:
    description: a1 has b1's loopback from BGP
    wait: 60
    nodes: [ a1 ]
    plugin: bgp_prefix(nodes.b1.loopback.ipv4)
  ping:
    description: h1 reaches h2
    wait: 60
    nodes: [ h1 ]
    plugin: ping('h2')
  ping6:
    description: h1 reaches h2 over IPv6
    wait: 60
    nodes: [ h1 ]
    plugin: ping('h2', af='ipv6')
`;
  const project = netlabProject("my-bgp", "topology.yml", () => topology(65002));
  let envOf: () => Record<string, string> = () => ({});
  const cli = (...args: string[]) => spawnSync("node", [path.join(REPO, "dist", "cli", "netns-lab.js"), ...args], { cwd: project.dir, encoding: "utf8", timeout: 300_000, env: { ...process.env, ...envOf() } });
  const daemonOf = (node: string, daemon: string) => daemonIn(`${name}-${node}`, daemon);
  const TESTS = ["isis", "ibgp", "ebgp", "ebgp6", "prefix", "ping", "ping6"];
  /** netlab validate's report: each test's block ("[name] description", then "[PASS]"/"[FAIL]" lines) passed. */
  const green = () => {
    const v = cli("validate", "--stack", "dev");
    const out = v.stdout + v.stderr;
    const verdict = (t: string) => {
      const block = out.split(/\n\s*\n/).find((b) => b.startsWith(`[${t}]`));
      return block && /\[PASS\]\s+Test succeeded/.test(block) && !/\[FAIL\]/.test(block) ? "PASS" : block ?? "absent";
    };
    expect(TESTS.map((t) => `${t}: ${verdict(t)}`)).toEqual(TESTS.map((t) => `${t}: PASS`));
    expect(out).toMatch(new RegExp(`Tests passed: ${TESTS.length}`));
    expect(v.status).toBe(0);
  };

  test("up: every test of netlab's passes, hosts by name; an AS edit previews and applies only a2 and b1; a daemon killed comes back configured; destroy leaves nothing", async () => {
    const t = lab.track(await openStack(project.dir, "dev", {}));
    envOf = () => ({ PULUMI_BACKEND_URL: (t.stack.workspace as any).envVars.PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE: "" });
    await t.stack.up();
    expect(namespaces().filter((n) => n.startsWith(prefix)).sort()).toEqual(["a1", "a2", "b1", "h1", "h2"].map((n) => prefix + n));
    expect(cli("exec", "a1", "--stack", "dev", "--", "hostname").stdout.trim()).toBe("a1");
    green();

    // b1 moves to another AS: netlab changes a2's and b1's configurations, nothing else.
    const a1zebra = daemonOf("a1", "zebra");
    fs.writeFileSync(path.join(project.dir, "topology.yml"), topology(65003));
    const steps = await previewSteps(t.stack);
    const touched = [...new Set(Object.entries(steps.byOp).filter(([op]) => op !== "same").flatMap(([, names]) => names))];
    expect(touched.filter((n) => !/^(a2|b1)-/.test(n))).toEqual([]);
    expect(touched.some((n) => n.startsWith("a2-")) && touched.some((n) => n.startsWith("b1-"))).toBe(true);
    await t.stack.up();
    expect(daemonOf("a1", "zebra")).toBe(a1zebra);
    green();

    // b1's bgpd dies: refresh, up; its configuration is applied again.
    process.kill(daemonOf("b1", "bgpd")!, "SIGKILL");
    await t.stack.refresh();
    await t.stack.up();
    green();

    await t.stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(`${FS_ROOT}/${prefix}`);
    expect(frrOf("my-bgp")).toEqual([]);
  });
});

describe("#31 item 6: what netns-lab cannot run is refused before anything is made, naming the node (pure)", () => {
  const { netlabProblems } = require("../../provider/components/netlab") as typeof import("../../provider/components/netlab");
  const node = (name: string, device: string, module: string[] = []) => ({ name, device, module });
  const cases: Array<[string, Parameters<typeof netlabProblems>, string[]]> = [
    ["frr and linux", [{ name: "t", nodes: { r1: node("r1", "frr", ["ospf"]), h1: node("h1", "linux") }, links: [] }, []], []],
    ["a vendor device", [{ name: "t", nodes: { r1: node("r1", "eos") }, links: [] }, []], ["node r1: device eos is not supported (netns-lab runs frr and linux nodes)"]],
    ["VLANs where the kernel lacks them", [{ name: "t", nodes: { r1: node("r1", "frr", ["vlan"]) }, links: [] }, ["vlan"]], ["node r1: module vlan needs 802.1q VLAN devices, which this kernel lacks (ip link add type vlan fails)"]],
    ["VRFs where the kernel has them", [{ name: "t", nodes: { r1: node("r1", "frr", ["vrf"]) }, links: [] }, ["vlan"]], []],
    ["link aggregation where the kernel lacks bonding", [{ name: "t", nodes: { r1: node("r1", "frr", ["lag", "ospf"]), h1: node("h1", "linux", ["lag"]) }, links: [] }, ["bond", "vlan"]], [
      "node r1: module lag needs bonding devices (link aggregation), which this kernel lacks (ip link add type bond fails)",
      "node h1: module lag needs bonding devices (link aggregation), which this kernel lacks (ip link add type bond fails)",
    ]],
    ["a module that makes no device (ripv2, bfd) whatever the kernel lacks", [{ name: "t", nodes: { r1: node("r1", "frr", ["ripv2", "bfd"]) }, links: [] }, ["bond", "vlan", "vrf"]], []],
  ];
  test.each(cases)("%s", (_what, args, problems) => {
    expect(netlabProblems(...args)).toEqual(problems);
  });
});

(full ? describe : describe.skip)("#31 item 6: RIPv2, and OSPF with BFD, as netlab configures them", () => {
  const prefix = uniquePrefix();
  const name = prefix.replace(/-$/, "");
  const lab = cleanupAfterAll(prefix);
  // r1 and r2 speak RIPv2; r2 and r3 OSPF with BFD on their link; h1 behind r1 reaches r2's loopback by RIP alone.
  const project = netlabProject("my-rip", "topology.yml", () => `# RIPv2, OSPF with BFD (netns-lab's own test topology)
name: ${name}
defaults.device: frr
nodes:
  r1:
    module: [ ripv2 ]
  r2:
    module: [ ripv2, ospf, bfd ]
  r3:
    module: [ ospf, bfd ]
  h1:
    device: linux
links:
- r1-r2
- r2:
  r3:
  ospf.bfd: True
- h1-r1
validate:
  rip:
    description: r1 has a route from RIP
    wait: 60
    nodes: [ r1 ]
    show:
      frr: ip route summary json
    valid:
      frr: len([r for r in routes if r['type'] == 'rip' and r['rib'] > 0]) == 1
  ping:
    description: h1 reaches r2's loopback, which only RIP tells r1
    wait: 60
    nodes: [ h1 ]
    plugin: ping('r2')
`);
  let envOf: () => Record<string, string> = () => ({});
  const cli = (...args: string[]) => spawnSync("node", [path.join(REPO, "dist", "cli", "netns-lab.js"), ...args], { cwd: project.dir, encoding: "utf8", timeout: 300_000, env: { ...process.env, ...envOf() } });

  test("up: RIP's route and the ping pass netlab's validate; BFD up on r2-r3 under OSPF; each daemon with its daemons file's options; destroy leaves nothing", async () => {
    const t = lab.track(await openStack(project.dir, "dev", {}));
    envOf = () => ({ PULUMI_BACKEND_URL: (t.stack.workspace as any).envVars.PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE: "" });
    await t.stack.up();
    const validate = cli("validate", "--stack", "dev");
    expect(validate.stderr + validate.stdout).toMatch(/rip[\s\S]*PASS[\s\S]*ping[\s\S]*PASS/);
    expect(validate.status).toBe(0);
    let bfd = "";
    for (let i = 0; i < 60 && !/Status: up/.test(bfd); i++) {
      if (i) await new Promise((r) => setTimeout(r, 1000));
      bfd = cli("exec", "r3", "--stack", "dev", "--", "vtysh", "-c", "show bfd peers").stdout;
    }
    expect(bfd).toMatch(/Status: up/);
    // netlab's daemons file (FRR's image's) gives zebra -s 90000000 and the datacenter profile.
    const zebra = daemonIn(`${name}-r1`, "zebra")!;
    expect(fs.readFileSync(`/proc/${zebra}/cmdline`, "utf8").split("\0").filter(Boolean)).toEqual(["/usr/lib/frr/zebra", "-f", "/etc/frr/frr.conf", "-u", "frr", "-g", "frr", "-F", "datacenter", "-A", "127.0.0.1", "-s", "90000000"]);
    expect(daemonIn(`${name}-r1`, "ripd")).toBeDefined();
    expect(daemonIn(`${name}-r3`, "bfdd")).toBeDefined();
    expect((await previewSteps(t.stack)).counts).toEqual({ same: expect.any(Number) });
    await t.stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(frrOf("my-rip")).toEqual([]);
  });
});
