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
import { canAddLink } from "../../provider/kernel/probe";
import { namespaces, pings, sh, uniquePrefix } from "../support/names";

jest.setTimeout(600_000);

// make test runs a sample; make test-containerlab (NETNS_LAB_FULL=1) runs every describe here.
const full = process.env.NETNS_LAB_FULL === "1" ? describe : describe.skip;
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
/** A clab stack of a describe's lab (its prefix), on a topology file: tracked, so its namespaces go even when a test fails. */
async function openClab(lab: ReturnType<typeof cleanupAfterAll>, prefix: string, tag: string, file: string, config: Record<string, string> = {}) {
  return lab.track(await openStack(labsDir(), `${tag}-${prefix.slice(0, -1)}`, { "netns-lab:lab": "clab", "netns-lab:file": file, "netns-lab:prefix": prefix, ...config }));
}
/** An up that keeps the warnings it said; then a resource's outputs by its name, from the state it left. */
async function upWarned(t: Awaited<ReturnType<typeof openClab>>) {
  const warnings: string[] = [];
  await t.stack.up({ onEvent: (e) => e.diagnosticEvent?.severity === "warning" && warnings.push(e.diagnosticEvent.message) });
  const state = await t.stack.exportStack();
  const out = (name: string) => state.deployment.resources.find((r: any) => String(r.urn).endsWith(`::${name}`))?.outputs;
  return { warnings, out };
}
const ours = (prefix: string) => namespaces().filter((n) => n.startsWith(prefix));
/** A preview's replaced resources but the hosts files and the management network's (eth0, its address, its default route). */
const core = (names: string[] | undefined) => (names ?? []).filter((n) => !n.endsWith("-hosts") && !n.includes("mgmt")).sort();

describe("two linux nodes and a cable (two-nodes.clab.yml)", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  const copy = copyOf("two-nodes.clab.yml");

  test("up: the exec lines' addresses reach; no change after; refresh finds none", async () => {
    const file = copy();
    const t = await openClab(lab, prefix, "clab2", file);
    const up = await t.stack.up(quiet);
    expect(ours(prefix).sort()).toEqual([`${prefix}mgmt`, `${prefix}n1`, `${prefix}n2`]);
    expect(up.outputs.ping.value).toBe(`ip netns exec ${prefix}n1 ping -c 3 -W 1 10.10.0.2`);
    expect(pings(`${prefix}n1`, "10.10.0.2")).toBe(true);
    // The description knows the exec lines' addresses (verify pings them; hosts files name them).
    expect(up.outputs.description.value.nodes.filter((n: { role: string }) => n.role !== "switch").map((n: { name: string; interfaces: Array<{ address?: string }> }) => [n.name, n.interfaces[0].address])).toEqual([["n1", "10.10.0.1/24"], ["n2", "10.10.0.2/24"]]);
    expect(sh("ip", ["netns", "exec", `${prefix}n1`, "getent", "hosts", "n2"])).toMatch(/^10\.10\.0\.2\s+n2/);
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    const refreshed = await t.stack.refresh(quiet);
    expect(refreshed.summary.resourceChanges).not.toHaveProperty("update");
    expect(refreshed.summary.resourceChanges).not.toHaveProperty("delete");

    // An edited exec line: as containerlab, the node is made anew (its namespace, and with it its
    // cable, its hosts file and its exec line, which runs on the fresh node); n1's line for its end of
    // the new cable runs again (containerlab re-runs the exec of a node whose link it re-made); n1 stays.
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("10.10.0.2/24", "10.10.0.3/24"));
    let p = await previewSteps(t.stack);
    expect(core(p.byOp.replace)).toEqual(["n1-eth1--n2-eth1", "n1-exec-1", "n2", "n2-exec-1"]);
    expect(p.byOp.replace).toEqual(expect.arrayContaining(["n2-eth0--mgmt", "n2-mgmt-default"]));
    expect(p.byOp.replace).not.toContain("n1-eth0--mgmt");
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

full("#31 item 2: a plain node's binds (a file of our own, containerlab's format), held by a filesystem of its own", () => {
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
    const t = await openClab(lab, prefix, "clabbind", path.join(dir, "web.clab.yml"));
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

full("hosts on a bridge (bridge.clab.yml): a group, defaults, env in exec, the extended link form", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);

  test("up: every host reaches every other through the bridge; the extended link's MTU and MAC are set; destroy leaves nothing", async () => {
    const t = await openClab(lab, prefix, "clabbr", path.join(EX, "bridge.clab.yml"));
    await t.stack.up(quiet);
    expect(ours(prefix).sort()).toEqual(["h1", "h2", "h3", "mgmt", "sw"].map((n) => `${prefix}${n}`));
    // h3's last exec line exits 1 unless its env is the merged one (a failing line is recorded, as containerlab's).
    const state = await t.stack.exportStack();
    const exec2 = state.deployment.resources.find((r: any) => String(r.urn).endsWith("::h3-exec-2"));
    expect(exec2?.outputs).toMatchObject({ exitCode: 0 });
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
    for (const r of ["r1", "r2", "r3"]) for (const d of ["/var/run/frr", "/etc/frr"]) fs.rmSync(`${d}/${prefix}${r}`, { recursive: true, force: true });
  });

  test("up: FRR in each router (its daemons file's daemons, its frr.conf), OSPF converges, pc1 reaches pc2; vtysh -N reaches each; destroy leaves no process or FRR file", async () => {
    const t = await openClab(lab, prefix, "clabfrr", path.join(EX, "frr-ospf", "frr-ospf.clab.yml"));
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
    const vtysh = spawnSync("vtysh", ["-N", `${prefix}r2`, "-c", "show ip ospf neighbor"], { encoding: "utf8" });
    expect(vtysh.stderr).not.toMatch(/Can't open configuration file/); // its vtysh.conf is written where vtysh -N reads it
    expect(fs.readFileSync(`/etc/frr/${prefix}r2/vtysh.conf`, "utf8")).toBe("service integrated-vtysh-config\n");
    const neighbors = vtysh.stdout;
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
    expect(fs.readdirSync("/etc/frr").filter((d) => d.startsWith(prefix))).toEqual([]);
  });
});

full("#33: a templated topology (Go template, a vars file beside it, an environment default), its vars changed", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-tpl-"));
    // A chain of .hosts hosts, each cable its own /24 under ${CHAIN_NET:=10.77} (unset here: the default).
    fs.writeFileSync(path.join(dir, "chain.clab.yml"), `name: {{ .name }}
topology:
  nodes:
{{- range $i := seq .hosts }}
    h{{ $i }}:
      kind: linux
      exec:
{{- if gt $i 1 }}
        - ip address add \${CHAIN_NET:=10.77}.{{ subtract $i 1 }}.2/24 dev eth2
{{- end }}
{{- if lt $i $.hosts }}
        - ip address add \${CHAIN_NET:=10.77}.{{ $i }}.1/24 dev eth1
{{- end }}
{{- end }}
  links:
{{- range $i := seq (subtract .hosts 1) }}
    - endpoints: ["h{{ $i }}:eth1", "h{{ add $i 1 }}:eth2"]
{{- end }}
`);
    fs.writeFileSync(path.join(dir, "chain.clab_vars.yml"), "name: tpl\nhosts: 3\n");
    fs.writeFileSync(path.join(dir, "four.yml"), "hosts: 4\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("up renders it with the vars beside it; netns-lab:vars adding a host previews exactly what containerlab would remake; destroy leaves nothing", async () => {
    const name = `clabtpl-${prefix.slice(0, -1)}`;
    const t = lab.track(await openStack(labsDir(), name, { "netns-lab:lab": "clab", "netns-lab:file": path.join(dir, "chain.clab.yml"), "netns-lab:prefix": prefix }));
    const up = await t.stack.up(quiet);
    expect(up.outputs.description.value.name).toBe("tpl");
    expect(ours(prefix).sort()).toEqual(["h1", "h2", "h3", "mgmt"].map((n) => `${prefix}${n}`));
    expect(pings(`${prefix}h1`, "10.77.1.2")).toBe(true);
    expect(pings(`${prefix}h3`, "10.77.2.1")).toBe(true);
    await t.stack.preview({ ...quiet, expectNoChanges: true });

    // The vars given (merged over nothing: given files replace those beside it, so name comes along).
    fs.writeFileSync(path.join(dir, "base.yml"), "name: tpl\nhosts: 3\n");
    await t.stack.setConfig("netns-lab:vars", { value: `${path.join(dir, "base.yml")},${path.join(dir, "four.yml")}` });
    const p = await previewSteps(t.stack);
    // As containerlab's deploy: h3's exec lines changed (a line for its new eth1), so h3 is made anew,
    // with its cable to h2, whose line for that interface runs again; h1 and h2's other line stay.
    expect(core(p.byOp.replace)).toEqual(["h2-eth1--h3-eth2", "h2-exec-2", "h3", "h3-exec-1"]);
    expect(p.byOp.delete ?? []).toEqual([]);
    expect(p.byOp.create).toEqual(expect.arrayContaining(["h4", "h3-eth1--h4-eth2", "h4-exec-1", "h3-exec-2"]));
    await t.stack.up(quiet);
    expect(pings(`${prefix}h3`, "10.77.3.2")).toBe(true);
    await t.stack.preview({ ...quiet, expectNoChanges: true });

    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
  });
});

describe("#33: exec lines as containerlab runs them (a failing line, a daemon, a child holding stdout, an env change)", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  let dir = "";
  const marked = () => spawnSync("sh", ["-c", `grep -l -a -z "^NETNS_LAB_OWNER=.*${prefix.slice(0, -1)}" /proc/[0-9]*/environ 2>/dev/null`], { encoding: "utf8" }).stdout.trim();
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-exec-"));
    fs.writeFileSync(path.join(dir, "exec.clab.yml"), `name: exec
topology:
  nodes:
    a:
      kind: linux
      env: {GEN: "1"}
      exec:
        - ip address add 10.88.0.1/24 dev eth1
        - "false"
        - setsid -f sleep 700
        - sh -c "sleep 600 & echo started"
        - ip route add 10.88.9.0/24 via 10.88.0.2
    b:
      kind: linux
      exec:
        - ip address add 10.88.0.2/24 dev eth1
  links:
    - endpoints: ["a:eth1", "b:eth1"]
`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("up: a failing line warns and the next lines run; the daemon and the child carry the marker; an env change makes the node anew (no 'File exists'), b's line runs again on the new cable; destroy ends them all", async () => {
    const file = path.join(dir, "exec.clab.yml");
    const t = await openClab(lab, prefix, "clabexec", file);
    const warnings: string[] = [];
    const onEvent = (e: any) => {
      if (e.diagnosticEvent?.severity === "warning") warnings.push(e.diagnosticEvent.message);
    };
    await t.stack.up({ ...quiet, onEvent });
    expect(warnings.join("\n")).toMatch(/node a: exec `false` exited 1 \(as containerlab, the node's next lines still ran\)/);
    // The lines after it ran: the daemon, the child left running (the create did not wait for it), the route.
    expect(sh("ip", ["-n", `${prefix}a`, "route", "show", "10.88.9.0/24"])).toMatch(/via 10\.88\.0\.2/);
    expect(sh("ip", ["netns", "pids", `${prefix}a`]).trim().split("\n").length).toBe(2); // the daemon (setsid -f) and the child
    expect(marked().split("\n").length).toBe(2);
    expect(pings(`${prefix}a`, "10.88.0.2")).toBe(true);

    // env changed: the node is made anew, its lines run on the fresh node; its cable is new, so b's line runs again too.
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('GEN: "1"', 'GEN: "2"'));
    const p = await previewSteps(t.stack);
    expect(core(p.byOp.replace)).toEqual(["a", "a-eth1--b-eth1", "a-exec-1", "a-exec-2", "a-exec-3", "a-exec-4", "a-exec-5", "b-exec-1"]);
    expect(p.byOp.replace ?? []).not.toContain("b");
    await t.stack.up(quiet);
    expect(pings(`${prefix}a`, "10.88.0.2")).toBe(true);
    expect(sh("ip", ["-n", `${prefix}a`, "route", "show", "10.88.9.0/24"])).toMatch(/via 10\.88\.0\.2/);
    await t.stack.preview({ ...quiet, expectNoChanges: true });

    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
    expect(marked()).toBe("");
  });
});

full("#33: the management network (every linux node's eth0, as containerlab's docker bridge)", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-mgmt-"));
    fs.writeFileSync(path.join(dir, "mgmt.clab.yml"), `name: mg
mgmt:
  ipv4-subnet: 10.123.0.0/24
topology:
  nodes:
    a: {kind: linux}
    b: {kind: linux, mgmt-ipv4: 10.123.0.50}
    iso: {kind: linux, network-mode: none}
    c:
      kind: linux
      exec:
        - ip address add 10.124.0.1/24 dev eth1
        - ip route replace default via 10.124.0.2
    d:
      kind: linux
      exec: ["ip address add 10.124.0.2/24 dev eth1"]
    e:
      kind: linux
      network-mode: none
      exec: ["ip address add 10.123.0.60/24 dev eth1"]
  links:
    - endpoints: ["c:eth1", "d:eth1"]
    - endpoints: ["e:eth1", "mgmt-net:e-eth1"]
`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("eth0 with docker's addresses (or the node's own), a default route by the gateway unless an exec line replaces it; the gateway reaches every node; none for network-mode none; a link to mgmt-net", async () => {
    const t = await openClab(lab, prefix, "clabmgmt", path.join(dir, "mgmt.clab.yml"));
    await t.stack.up(quiet);
    expect(ours(prefix).sort()).toEqual(["a", "b", "c", "d", "e", "iso", "mgmt"].map((n) => `${prefix}${n}`));
    const addr = (n: string) => sh("ip", ["-n", `${prefix}${n}`, "-br", "address", "show", "eth0"]);
    expect(addr("a")).toMatch(/10\.123\.0\.2\/24 3fff:172:20:20::2\/64/);
    expect(addr("b")).toMatch(/10\.123\.0\.50\/24/);
    expect(addr("c")).toMatch(/10\.123\.0\.3\/24/);
    expect(sh("ip", ["-n", `${prefix}iso`, "-br", "link"])).not.toMatch(/eth0/);
    expect(sh("ip", ["-n", `${prefix}a`, "route", "show", "default"])).toMatch(/default via 10\.123\.0\.1 dev eth0/);
    expect(sh("ip", ["-n", `${prefix}c`, "route", "show", "default"])).toMatch(/default via 10\.124\.0\.2 dev eth1/);
    for (const to of ["10.123.0.2", "10.123.0.50", "10.123.0.3", "10.123.0.4"]) expect(pings(`${prefix}mgmt`, to)).toBe(true);
    expect(pings(`${prefix}a`, "10.123.0.50")).toBe(true);
    // A link to mgmt-net: e (no eth0) reached on the management network by its eth1, a port of the bridge named host-interface.
    expect(sh("ip", ["-n", `${prefix}mgmt`, "-br", "link", "show", "master", "mgmt"])).toMatch(/^e-eth1@/m);
    expect(pings(`${prefix}mgmt`, "10.123.0.60")).toBe(true);
    expect(pings(`${prefix}a`, "10.123.0.60")).toBe(true);
    // netns-lab inspect, as containerlab's: each node's state and management addresses.
    const inspect = spawnSync(path.join(REPO, "bin", "netns-lab"), ["inspect", "--stack", `clabmgmt-${prefix.slice(0, -1)}`, "--cwd", labsDir()], { encoding: "utf8", env: { ...process.env, ...t.stack.workspace.envVars } });
    expect(inspect.status).toBe(0);
    const rows = inspect.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^NAME\s+NAMESPACE\s+ROLE\s+STATE\s+MGMT IPV4\s+MGMT IPV6\s+ADDRESSES$/);
    expect(rows.find((r) => r.startsWith("b "))).toMatch(new RegExp(`^b\\s+${prefix}b\\s+host\\s+running\\s+10\\.123\\.0\\.50/24\\s+3fff:172:20:20::\\d+/64\\s+-$`));
    expect(rows.find((r) => r.startsWith("c "))).toMatch(/running\s+10\.123\.0\.3\/24\s+\S+\s+10\.124\.0\.1\/24$/);
    expect(rows.find((r) => r.startsWith("iso "))).toMatch(/running\s+-\s+-\s+-$/);
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
  });
});

full("#33 item 4: a walk like containerlab's apply test — one stack, the file edited step by step", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  let dir = "";
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-walk-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The file at each step: a, b, c always (c runs a program: its pid is its identity); links and d as the step says.
  const file = (o: { ab?: boolean; bc?: boolean; d?: boolean; env?: string }) => `name: walk
topology:
  nodes:
    a: {kind: linux, exec: ["ip address add 10.81.1.1/24 dev eth1"]}
    b: {kind: linux, exec: ["ip address add 10.81.1.2/24 dev eth1", "ip address add 10.81.2.1/24 dev eth2"]}
    c:
      kind: linux
      cmd: sleep 100000
      env: {LEVEL: "${o.env ?? "1"}"}
      exec: ["ip address add 10.81.2.2/24 dev eth1"]
${o.d ? '    d: {kind: linux, exec: ["ip address add 10.81.3.2/24 dev eth1"]}\n' : ""}  links:
${o.ab ? '    - endpoints: ["a:eth1", "b:eth1"]\n' : ""}${o.bc ? '    - endpoints: ["b:eth2", "c:eth1"]\n' : ""}${o.d ? '    - endpoints: ["c:eth2", "d:eth1"]\n' : ""}`.replace("  links:\n", (m) => (o.ab || o.bc || o.d ? m : ""));
  const write = (o: Parameters<typeof file>[0]) => fs.writeFileSync(path.join(dir, "walk.clab.yml"), file(o));
  const inode = (n: string) => fs.statSync(`/run/netns/${prefix}${n}`).ino;
  const sleepPid = () => sh("ip", ["netns", "pids", `${prefix}c`]).trim().split("\n").filter(Boolean).find((p) => fs.readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("sleep\0"));

  test("links added and removed, a node added and removed, a node's env changed: each preview names exactly the change; the other nodes keep their namespaces, programs and hand-made addresses", async () => {
    write({ ab: true });
    const t = await openClab(lab, prefix, "clabwalk", path.join(dir, "walk.clab.yml"));
    await t.stack.up(quiet);
    expect(pings(`${prefix}a`, "10.81.1.2")).toBe(true);
    const ids = { a: inode("a"), b: inode("b"), c: inode("c") };
    const pid = sleepPid();
    expect(pid).toMatch(/^\d+$/);
    // Addresses set by hand in each node (as a user testing something): none of the steps below may lose them.
    for (const n of ["a", "b", "c"]) sh("ip", ["-n", `${prefix}${n}`, "address", "add", `10.99.0.${n.charCodeAt(0)}/32`, "dev", "lo"]);
    const kept = (nodes: string[]) => {
      for (const n of nodes) {
        expect(inode(n)).toBe(ids[n as keyof typeof ids]);
        expect(sh("ip", ["-n", `${prefix}${n}`, "-br", "address", "show", "dev", "lo"])).toContain(`10.99.0.${n.charCodeAt(0)}/32`);
      }
    };
    const step = async (o: Parameters<typeof file>[0]) => {
      write(o);
      // A cable is a component and its VethLink, of one name: each name once.
      const p = await previewSteps(t.stack);
      for (const op of Object.keys(p.byOp)) p.byOp[op] = [...new Set(p.byOp[op])];
      await t.stack.up(quiet);
      await t.stack.preview({ ...quiet, expectNoChanges: true });
      return p;
    };

    // 1. A link added (b-c): the cable, and the lines naming its interfaces; nothing replaced, nothing deleted.
    let p = await step({ ab: true, bc: true });
    expect(core(p.byOp.create)).toEqual(["b-eth2--c-eth1"]);
    expect([core(p.byOp.replace), core(p.byOp.delete), core(p.byOp.update)]).toEqual([[], [], []]);
    kept(["a", "b", "c"]);
    expect(sleepPid()).toBe(pid);
    // b's and c's lines for the new cable: their addresses are the exec lines', which ran at their node's making (eth2/eth1 did not exist then).
    sh("ip", ["-n", `${prefix}b`, "address", "replace", "10.81.2.1/24", "dev", "eth2"]);
    sh("ip", ["-n", `${prefix}c`, "address", "replace", "10.81.2.2/24", "dev", "eth1"]);
    expect(pings(`${prefix}b`, "10.81.2.2")).toBe(true);

    // 2. A link removed (a-b): that cable alone.
    p = await step({ bc: true });
    expect(core(p.byOp.delete)).toEqual(["a-eth1--b-eth1"]);
    expect([core(p.byOp.create), core(p.byOp.replace)]).toEqual([[], []]);
    kept(["a", "b", "c"]);
    expect(sleepPid()).toBe(pid);

    // 3. A node added (d) with a link to c: d, its management port, its cable, its line.
    p = await step({ bc: true, d: true });
    expect(core(p.byOp.create)).toEqual(expect.arrayContaining(["d", "c-eth2--d-eth1", "d-exec-1"]));
    expect([core(p.byOp.replace), core(p.byOp.delete)]).toEqual([[], []]);
    expect((p.byOp.create ?? []).filter((n) => n.includes("mgmt"))).toEqual(expect.arrayContaining(["d-eth0--mgmt", "d-mgmt-address", "d-mgmt-default"]));
    kept(["a", "b", "c"]);
    expect(sleepPid()).toBe(pid);
    expect(pings(`${prefix}d`, "10.81.3.2")).toBe(true);

    // 4. The node removed again: d and what was d's, nothing else.
    p = await step({ bc: true });
    expect(core(p.byOp.delete).filter((n) => !n.startsWith("d-") && n !== "d" && n !== "c-eth2--d-eth1")).toEqual([]);
    expect(core(p.byOp.delete)).toEqual(expect.arrayContaining(["d", "c-eth2--d-eth1", "d-exec-1"]));
    expect([core(p.byOp.create), core(p.byOp.replace)]).toEqual([[], []]);
    expect(ours(prefix)).not.toContain(`${prefix}d`);
    kept(["a", "b", "c"]);
    expect(sleepPid()).toBe(pid);

    // 5. c's env changed: c is made anew (containerlab recreates the container), with its cable and
    //    lines, and b's line for that cable runs again; a and b keep theirs.
    p = await step({ bc: true, env: "2" });
    expect(core(p.byOp.replace)).toEqual(expect.arrayContaining(["c", "b-eth2--c-eth1", "c-exec-1"]));
    expect(core(p.byOp.replace).filter((n) => n.startsWith("a"))).toEqual([]);
    expect(core(p.byOp.delete)).toEqual([]);
    kept(["a", "b"]);
    expect(inode("c")).not.toBe(ids.c);
    expect(sleepPid()).not.toBe(pid);
    expect(pings(`${prefix}b`, "10.81.2.2")).toBe(true); // b's line for eth2 ran again on the new cable

    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
  });
});

describe("#33: a dummy link — made where the kernel has dummy interfaces, refused before anything is made where it has none", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-dummy-"));
    fs.writeFileSync(path.join(dir, "dummy.clab.yml"), "name: dm\ntopology:\n  nodes:\n    n: {kind: linux}\n  links:\n    - type: dummy\n      endpoint: {node: n, interface: dummy0}\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("as this kernel allows", async () => {
    const t = await openClab(lab, prefix, "clabdm", path.join(dir, "dummy.clab.yml"));
    if (canAddLink(["nl-probe", "type", "dummy"])) {
      await t.stack.up(quiet);
      expect(sh("ip", ["-n", `${prefix}n`, "-br", "link", "show", "dummy0"])).toMatch(/^dummy0\s+UNKNOWN|^dummy0\s+UP/);
      await t.stack.destroy(quiet);
    } else {
      await expect(t.stack.up(quiet)).rejects.toThrow(/link 1 \(n:dummy0\): type dummy needs dummy interfaces, which this kernel lacks \(ip link add type dummy fails; CONFIG_DUMMY\): refused/);
      expect(ours(prefix)).toEqual([]); // nothing made
      expect(((await t.stack.exportStack()).deployment.resources ?? []).map((r: { type: string }) => r.type)).toEqual(["pulumi:pulumi:Stack"]); // the stack alone
    }
  });
});

full("#33: macvlan links — nodes on an interface of this machine", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  // The machine's interface for the test: a veth of its own in the root namespace (this machine's real ones are not the test's).
  const parent = `${prefix}up`;
  let dir = "";
  beforeAll(() => {
    sh("ip", ["link", "add", parent, "type", "veth", "peer", "name", `${prefix}uq`]);
    for (const d of [parent, `${prefix}uq`]) sh("ip", ["link", "set", d, "up"]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-macvlan-"));
    fs.writeFileSync(path.join(dir, "mv.clab.yml"), `name: mv
topology:
  nodes:
    a: {kind: linux, exec: ["ip address add 10.252.20.1/24 dev eth1"]}
    b: {kind: linux, exec: ["ip address add 10.252.20.2/24 dev eth1"]}
  links:
    - endpoints: ["a:eth1", "macvlan:${parent}"]
    - type: macvlan
      endpoint: {node: b, interface: eth1}
      host-interface: ${parent}
      mode: bridge
`);
  });
  afterAll(() => {
    spawnSync("ip", ["link", "del", parent]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("each node's interface a macvlan of the machine's interface (bridge mode: they reach each other); none in the root namespace; no change; destroy takes them", async () => {
    const t = await openClab(lab, prefix, "clabmv", path.join(dir, "mv.clab.yml"));
    await t.stack.up(quiet);
    expect(sh("ip", ["-d", "-n", `${prefix}a`, "link", "show", "eth1"])).toMatch(/macvlan mode bridge/);
    expect(pings(`${prefix}a`, "10.252.20.2")).toBe(true);
    expect(sh("ip", ["-o", "link", "show", "type", "macvlan"])).toBe("");
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
  });
});

describe("#33: ports — a port of this machine carried to the node's", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  const port = 20000 + Math.floor(Math.random() * 20000);
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-ports-"));
    fs.mkdirSync(path.join(dir, "www"));
    fs.writeFileSync(path.join(dir, "www", "index.html"), `hello from ${prefix}web\n`);
    fs.writeFileSync(path.join(dir, "ports.clab.yml"), `name: pt
topology:
  nodes:
    web:
      kind: linux
      cmd: python3 -m http.server 8000 --bind 0.0.0.0 --directory ${path.join(dir, "www")}
      ports: ["127.0.0.1:${port}:8000"]
    echo:
      kind: linux
      cmd: ${JSON.stringify("python3 -c \"import socket as S; s=S.socket(S.AF_INET,S.SOCK_DGRAM); s.bind(('0.0.0.0',9000)); [s.sendto(b'echo '+d,a) for d,a in iter(lambda: s.recvfrom(9999),0)]\"")}
      ports: ["127.0.0.1:${port}:9000/udp"]
`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const get = () =>
    new Promise<string>((resolve, reject) => {
      const req = require("http").get(`http://127.0.0.1:${port}/`, (r: import("http").IncomingMessage) => {
        let body = "";
        r.on("data", (d: Buffer) => (body += d)).on("end", () => resolve(body));
      });
      req.on("error", reject);
    });

  // One datagram to this machine's UDP port; the reply, or "" after 300 ms.
  const udp = (text: string) =>
    new Promise<string>((resolve) => {
      const sock = require("dgram").createSocket("udp4");
      const done = (v: string) => { clearTimeout(timer); sock.close(); resolve(v); };
      const timer = setTimeout(() => done(""), 300);
      sock.on("message", (m: Buffer) => done(m.toString())).on("error", () => done(""));
      sock.send(text, port, "127.0.0.1");
    });

  test("this machine's port answers with the node's server (at its eth0 address), TCP and UDP; the listener's process is the node's; destroy closes the port", async () => {
    const t = await openClab(lab, prefix, "clabpt", path.join(dir, "ports.clab.yml"));
    await t.stack.up(quiet);
    // The node's server starting: its own time, bounded.
    let body = "";
    for (let i = 0; i < 50 && !body.includes("hello"); i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      body = await get().catch(() => "");
    }
    expect(body).toBe(`hello from ${prefix}web\n`);
    // The same port number in UDP: another node's echo server (its own time to start, bounded).
    let echoed = "";
    for (let i = 0; i < 30 && !echoed; i++) echoed = await udp(`ping ${i}`);
    expect(echoed).toMatch(/^echo ping \d+$/);
    expect(await udp("again")).toBe("echo again");
    const udpPid = Number(/pid=(\d+)/.exec(sh("ss", ["-lunpH", `sport = :${port}`]))![1]);
    expect(fs.readlinkSync(`/proc/${udpPid}/ns/net`)).toBe(`net:[${fs.statSync(`/run/netns/${prefix}echo`).ino}]`);
    // The socket listening on this machine belongs to a process of the node (its network namespace), carrying the lab's marker.
    const ss = sh("ss", ["-ltnpH", `sport = :${port}`]);
    const pid = Number(/pid=(\d+)/.exec(ss)![1]);
    expect(fs.readlinkSync(`/proc/${pid}/ns/net`)).toBe(`net:[${fs.statSync(`/run/netns/${prefix}web`).ino}]`);
    expect(fs.readFileSync(`/proc/${pid}/environ`, "utf8")).toMatch(/NETNS_LAB_OWNER=\S+\/web-ports/);
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    await t.stack.destroy(quiet);
    await expect(get()).rejects.toThrow(/ECONNREFUSED/);
    expect(sh("ss", ["-lunH", `sport = :${port}`])).toBe("");
    expect(ours(prefix)).toEqual([]);
  });

  test("in the sandbox (NETNS_LAB_SANDBOX=1, as a user who is not root has it): refused at preview, saying why, nothing made", async () => {
    const t = await openClab(lab, prefix, "clabpts", path.join(dir, "ports.clab.yml"));
    (t.stack.workspace as unknown as { envVars: Record<string, string> }).envVars.NETNS_LAB_SANDBOX = "1";
    await expect(t.stack.preview(quiet)).rejects.toThrow(/node web, node echo: ports: a user who is not root has no ports of this machine to publish \(in the sandbox they would be the sandbox's, which nothing outside it reaches\)/);
    expect(ours(prefix)).toEqual([]);
  });
});

describe("#33: a link to the host (an end in the machine's root namespace)", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  const host = `${prefix}h`;
  const rootLink = () => JSON.parse(spawnSync("ip", ["-j", "link", "show", "dev", host], { encoding: "utf8" }).stdout || "[]")[0];
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-host-"));
    fs.writeFileSync(path.join(dir, "host.clab.yml"), `name: hl
topology:
  nodes:
    n:
      kind: linux
      exec: ["ip address add 10.252.9.2/30 dev eth1"]
  links:
    - endpoints: ["n:eth1", "host:${host}"]
`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("the host's end is there while the lab is, marked; this machine reaches the node by it; no change; destroy takes it away", async () => {
    const t = await openClab(lab, prefix, "clabhost", path.join(dir, "host.clab.yml"));
    await t.stack.up(quiet);
    expect(rootLink()).toMatchObject({ ifalias: expect.stringMatching(/^netns-lab:.*n-eth1--host-/) });
    expect(rootLink().flags).toContain("UP");
    // As a containerlab user does on the host: an address on the host's end (it goes with the end).
    sh("ip", ["address", "add", "10.252.9.1/30", "dev", host]);
    expect(spawnSync("ping", ["-c", "1", "-W", "2", "10.252.9.2"]).status).toBe(0);
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    await t.stack.destroy(quiet);
    expect(rootLink()).toBeUndefined();
    expect(ours(prefix)).toEqual([]);
  });
});

full("#33: this machine at the management network's gateway (mgmtHost), as containerlab's host", () => {
  const prefix = uniquePrefix();
  const other = uniquePrefix();
  const lab = cleanupAfterAll(prefix, other);
  // A subnet of this run's own (docker's default may be another lab's here).
  const net = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
  const net6 = `fd4e:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-mgmthost-"));
    fs.writeFileSync(path.join(dir, "gw.clab.yml"), `name: gw
mgmt:
  ipv4-subnet: ${net}.0/24
  ipv6-subnet: ${net6}::/64
  bridge: ${prefix}br
topology:
  nodes:
    a: {kind: linux}
    b: {kind: linux}
`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const rootLink = (dev: string) => JSON.parse(spawnSync("ip", ["-j", "address", "show", "dev", dev], { encoding: "utf8" }).stdout || "[]")[0];

  test("the gateway's addresses on this machine's end (mgmt.bridge); every node's eth0 reached from here; a second lab on the subnet refused, naming the first's; destroy takes the end away", async () => {
    const cfg = (p: string) => ({ "netns-lab:lab": "clab", "netns-lab:file": path.join(dir, "gw.clab.yml"), "netns-lab:prefix": p, "netns-lab:mgmt-host": "true" });
    const t = lab.track(await openStack(labsDir(), `clabgw-${prefix.slice(0, -1)}`, cfg(prefix)));
    await t.stack.up(quiet);
    const end = rootLink(`${prefix}br`);
    expect(end.addr_info.map((x: { local: string; prefixlen: number }) => `${x.local}/${x.prefixlen}`)).toEqual(expect.arrayContaining([`${net}.1/24`, `${net6}::1/64`]));
    // The management namespace holds no gateway address of its own: the gateway is this machine.
    expect(sh("ip", ["-n", `${prefix}mgmt`, "-br", "address", "show", "dev", "mgmt"])).not.toContain(`${net}.1`);
    for (const to of [`${net}.2`, `${net}.3`]) expect(spawnSync("ping", ["-c", "1", "-W", "2", to]).status).toBe(0);
    expect(sh("ip", ["-n", `${prefix}a`, "route", "show", "default"])).toMatch(new RegExp(`default via ${net.replace(/\./g, "\\.")}\.1 dev eth0`));
    // A second lab on the same subnet: refused, as containerlab refuses it, naming the first's end.
    const t2 = lab.track(await openStack(labsDir(), `clabgw-${other.slice(0, -1)}`, { ...cfg(other), "netns-lab:file": path.join(dir, "gw2.clab.yml") }));
    fs.writeFileSync(path.join(dir, "gw2.clab.yml"), fs.readFileSync(path.join(dir, "gw.clab.yml"), "utf8").replace(`bridge: ${prefix}br`, `bridge: ${other}br`));
    await expect(t2.stack.up(quiet)).rejects.toThrow(new RegExp(`it has ${net.replace(/\./g, "\\.")}\.1/24 on ${prefix}br already \\(another lab's management network`));
    await t2.stack.destroy(quiet);
    expect(rootLink(`${other}br`)).toBeUndefined();
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    await t.stack.destroy(quiet);
    expect(rootLink(`${prefix}br`)).toBeUndefined();
    expect(ours(prefix)).toEqual([]);
  });
});

full("#33: stages (wait-for) and healthcheck", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-stages-"));
    // srv's address comes late (a detached child adds it after a while): healthy when it is there.
    // cl's configure stage waits for srv to be healthy, so its ping finds the address.
    fs.writeFileSync(path.join(dir, "stages.clab.yml"), `name: st
topology:
  nodes:
    cl:
      kind: linux
      stages:
        create-links:
          exec:
            - command: ip link set eth1 mtu 1400
              phase: on-exit
        configure:
          wait-for: [{node: srv, stage: healthy}]
          exec:
            - command: ip address add 10.55.0.2/24 dev eth1
            - command: ip address add 10.55.0.3/32 dev lo
              phase: on-exit
      exec:
        - ping -c 1 -W 2 10.55.0.1
        - sh -c "ip link show eth1 | grep -q 'mtu 1400' && ! ip address show dev lo | grep -q 10.55.0.3/"
    srv:
      kind: linux
      stages:
        healthy:
          exec:
            - command: ip address add 10.55.0.9/32 dev lo
              phase: on-exit
        create:
          exec:
            - command: echo too early
            - command: sh -c "! ip link show eth1 && ip link show lo"
              phase: on-exit
        create-links:
          exec:
            - command: sh -c "! ip link show eth1"
        configure:
          exec:
            - command: touch ${dir}/host-ran
              target: host
            - command: setsid -f sleep 3600
              target: host
      exec:
        - setsid -f sh -c "sleep 2; ip address add 10.55.0.1/24 dev eth1"
      healthcheck:
        test: ["CMD-SHELL", "ip -o address show dev eth1 | grep -q 10.55.0.1/"]
        interval: 1
        retries: 10
  links:
    - endpoints: ["cl:eth1", "srv:eth1"]
`);
    fs.writeFileSync(path.join(dir, "sick.clab.yml"), `name: sick
topology:
  nodes:
    s:
      kind: linux
      healthcheck: {test: ["CMD", "false"], interval: 1, retries: 2}
`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a stage waiting for another node's health runs after it; stage commands in their places; a node that never turns healthy fails the up, naming it", async () => {
    const t = await openClab(lab, prefix, "clabst", path.join(dir, "stages.clab.yml"));
    const { warnings, out } = await upWarned(t);
    expect(out("srv-healthy")).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^healthy after \d+s$/) });
    expect(out("cl-exec-1")).toMatchObject({ exitCode: 0 }); // the ping found srv's address, from cl's on-enter address
    // Stage commands in their places: create-links' on-exit before the exec lines (mtu 1400 seen), configure's on-exit after them.
    expect(out("cl-exec-2")).toMatchObject({ exitCode: 0 });
    expect(out("cl-stage-configure-on-exit-1")).toMatchObject({ exitCode: 0 });
    expect(sh("ip", ["-n", `${prefix}cl`, "-br", "address", "show", "dev", "lo"])).toMatch(/10\.55\.0\.3\/32/);
    expect(sh("ip", ["-n", `${prefix}srv`, "-br", "address", "show", "dev", "lo"])).toMatch(/10\.55\.0\.9\/32/); // healthy's on-exit
    expect(out("srv-stage-create-on-enter-1")).toBeUndefined(); // warned, not run
    // target: host: run on this machine (its root namespace); the daemon one left running carries its marker, and ends with it.
    expect(fs.existsSync(path.join(dir, "host-ran"))).toBe(true);
    const hostDaemons = () =>
      fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((d) => {
        try {
          return /NETNS_LAB_OWNER=[^\0]*\/srv-stage-configure-on-enter-2#exec/.test(fs.readFileSync(`/proc/${d}/environ`, "utf8"));
        } catch {
          return false;
        }
      });
    const [daemon] = hostDaemons();
    expect(fs.readlinkSync(`/proc/${daemon}/ns/net`)).toBe(fs.readlinkSync("/proc/self/ns/net"));
    expect(warnings.join("\n")).not.toMatch(/target host/);
    expect(warnings.join("\n")).toMatch(/node srv: stages: create: exec 1: on-enter of stage create runs before the node exists/);
    // create's on-exit and create-links' on-enter: in the node (its lo there), before its cable (no eth1 yet).
    expect(out("srv-stage-create-on-exit-1")).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/lo/) });
    expect(out("srv-stage-create-links-on-enter-1")).toMatchObject({ exitCode: 0 });
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
    expect(hostDaemons()).toEqual([]);

    const sick = await openClab(lab, prefix, "clabsick", path.join(dir, "sick.clab.yml"));
    await expect(sick.stack.up(quiet)).rejects.toThrow(/unhealthy: its health check failed 2 times in a row \(false\)/);
    await sick.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
  });
});

full("#33: network-mode container:<node>", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-share-"));
    fs.writeFileSync(path.join(dir, "share.clab.yml"), `name: sh
topology:
  nodes:
    a: {kind: linux}
    side:
      kind: linux
      network-mode: container:a
      exec: ["ip address add 10.66.0.1/24 dev eth1"]
      cmd: sleep 600
    b:
      kind: linux
      exec: ["ip address add 10.66.0.2/24 dev eth1"]
  links:
    - endpoints: ["a:eth1", "b:eth1"]
`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("the sharing node's exec line and cmd run in the other node's namespace; no namespace of its own; destroy leaves nothing", async () => {
    const t = await openClab(lab, prefix, "clabsh", path.join(dir, "share.clab.yml"));
    await t.stack.up(quiet);
    expect(ours(prefix).sort()).toEqual(["a", "b", "mgmt"].map((n) => `${prefix}${n}`));
    expect(pings(`${prefix}b`, "10.66.0.1")).toBe(true); // side's address, on a's eth1
    const pids = sh("ip", ["netns", "pids", `${prefix}a`]).trim().split("\n").filter(Boolean);
    expect(pids.map((p) => fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0")[0])).toContain("sleep");
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    await t.stack.destroy(quiet);
    expect(ours(prefix)).toEqual([]);
  });
});

full("#33: a file shaped like containerlab's first smoke test (three linux nodes, the fields it uses), deployed unchanged", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const [h4, h5] = [`${prefix}h4`, `${prefix}h5`];
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-clab-smoke-"));
    fs.writeFileSync(path.join(dir, "note.txt"), "a bound note\n");
    fs.writeFileSync(path.join(dir, "smoke.clab.yml"), `name: smoke
topology:
  nodes:
    s1:
      kind: linux
      image: alpine:3
      cmd: sh -c "echo $GREETING > /note.out && sleep 3600"
      binds:
        - note.txt:/note.txt
      env:
        GREETING: hello-from-s1
      exec:
        - echo exec-ran
        - cat /note.txt
      cpu: 1.5
      memory: 1G
      mgmt_ipv4: 172.20.20.99
      healthcheck:
        test: [CMD-SHELL, "test -s /note.out"]
        start-period: 1
        retries: 5
        interval: 1
        timeout: 2
    s2:
      kind: linux
      image: nginx:stable-alpine
      ports:
        - 127.0.0.1:${port}:80
      mgmt-ipv4: 172.20.20.100
      dns:
        servers: [192.0.2.53]
    s3:
      kind: linux
      image: alpine:3
      network-mode: host
  links:
    - endpoints: ["s1:eth1", "s2:some1"]
      mtu: 2000
      vars:
        role: uplink
    - endpoints: ["s1:eth2", "s2:eth2"]
    - type: veth
      endpoints:
        - node: s1
          interface: eth3
          mac: 02:00:00:00:0a:01
        - node: s2
          interface: eth3
          mac: 02:00:00:00:0a:02
    - type: host
      host-interface: ${h4}
      endpoint:
        node: s2
        interface: eth4
        mac: 02:00:00:00:0a:04
    - type: mgmt-net
      host-interface: ${h5}
      endpoint:
        node: s2
        interface: eth5
`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("up: what it can honour honoured (old mgmt_ipv4, binds, env, exec, healthcheck, MTU, MACs, host and mgmt-net links, a port), the rest warned by name; no change after; destroy leaves nothing", async () => {
    const t = await openClab(lab, prefix, "clabsmoke", path.join(dir, "smoke.clab.yml"));
    const { warnings, out } = await upWarned(t);
    const said = warnings.join("\n");
    for (const w of [/node s1: cpu: not supported/, /node s1: memory: not supported/, /node s2: dns: not supported/, /node s3: network-mode host: not supported/]) expect(said).toMatch(w);
    expect(out("s1-exec-1")).toMatchObject({ exitCode: 0, stdout: "exec-ran" });
    expect(out("s1-exec-2")).toMatchObject({ exitCode: 0, stdout: "a bound note" }); // the bind, in the node's own filesystem
    expect(out("s1-healthy")).toMatchObject({ exitCode: 0 }); // its cmd wrote the env's value
    const addr = (ns: string, dev: string) => sh("ip", ["-n", `${prefix}${ns}`, "-br", "address", "show", "dev", dev]);
    expect(addr("s1", "eth0")).toMatch(/172\.20\.20\.99\/24/); // the older spelling honoured
    expect(addr("s2", "eth0")).toMatch(/172\.20\.20\.100\/24/);
    const link = (ns: string, dev: string) => JSON.parse(sh("ip", ["-n", `${prefix}${ns}`, "-j", "link", "show", "dev", dev]))[0];
    expect([link("s1", "eth1").mtu, link("s2", "some1").mtu]).toEqual([2000, 2000]);
    expect([link("s1", "eth3").address, link("s2", "eth3").address, link("s2", "eth4").address]).toEqual(["02:00:00:00:0a:01", "02:00:00:00:0a:02", "02:00:00:00:0a:04"]);
    expect(link("s2", "eth2").operstate).toBe("UP");
    // The host link's end in this machine's root namespace; the mgmt-net link's a port of the management bridge.
    expect(JSON.parse(sh("ip", ["-j", "link", "show", "dev", h4]))[0].flags).toContain("UP");
    expect(JSON.parse(sh("ip", ["-n", `${prefix}mgmt`, "-j", "link", "show", "dev", h5]))[0].master).toBe("mgmt");
    // network-mode host: a node of its own (warned), on the management network like the others.
    expect(addr("s3", "eth0")).toMatch(/172\.20\.20\.\d+\/24/);
    // The published port: a listener on this machine (the forwarder's, started with the node: its own time, bounded).
    let listening = "";
    for (let i = 0; i < 30 && !listening; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      listening = sh("ss", ["-ltnH", `sport = :${port}`]);
    }
    expect(listening).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
    await t.stack.preview({ ...quiet, expectNoChanges: true });
    await t.stack.destroy(quiet);
    expect(spawnSync("ip", ["link", "show", "dev", h4]).status).not.toBe(0);
    expect(sh("ss", ["-ltnH", `sport = :${port}`])).toBe("");
    expect(ours(prefix)).toEqual([]);
  });

  test("a bind whose mount point would be made in a directory of this machine (/srv has no such entry): refused at preview, naming it, nothing made", async () => {
    const target = `/srv/nlt-${process.pid}/note.txt`;
    fs.writeFileSync(path.join(dir, "srv.clab.yml"), `name: srv\ntopology:\n  nodes:\n    s1:\n      kind: linux\n      binds: ["note.txt:${target}"]\n`);
    const t = await openClab(lab, prefix, "clabsrv", path.join(dir, "srv.clab.yml"));
    await expect(t.stack.preview(quiet)).rejects.toThrow(`node s1: binds: ${path.join(dir, "note.txt")}:${target}: ${target} does not exist on this machine, but /srv does`);
    expect(ours(prefix)).toEqual([]);
    expect(fs.existsSync(path.dirname(target))).toBe(false);
  });
});
