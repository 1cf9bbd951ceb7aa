// Defects found by a review and a new user (issue 20), each with the test that failed before its fix:
// the item's number leads the test's name.
import { spawnSync } from "child_process";
import * as fs from "fs";
import { kinds as registry } from "../../provider/runtime";
import { Props, Provider } from "../../provider/kinds/kind";
import { NotOursError, pendingRecord, pendingRecordOf } from "../../provider/ownership";
import { removeNamespaces, sh, uniquePrefix } from "../support/names";

const kinds = registry as unknown as Record<string, Provider>;
const owner = "itest/stack/res";
let p: string;
beforeEach(() => {
  p = uniquePrefix();
});
afterEach(() => {
  removeNamespaces(p);
});

async function check(kind: string, news: Props): Promise<Props> {
  const r = await kinds[kind].check({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}
const make = async (kind: string, news: Props) => kinds[kind].create(await check(kind, { owner, ...news }));
const mkns = async (n: string) => (await make("NetNamespace", { name: p + n, owner: `${owner}-${n}` })).id;

/** What a create writes before making an object the kernel cannot mark at once (kinds/pending.ts); a kill then leaves it. */
function pendingLeft(what: string, o = owner) {
  fs.mkdirSync("/run/netns-lab/pending", { recursive: true });
  fs.writeFileSync(pendingRecordOf(what), pendingRecord(o, what));
}

/** Whether any process carries `text` in its environment. */
const marked = (text: string) =>
  fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).some((d) => {
    try {
      return fs.readFileSync(`/proc/${d}/environ`, "latin1").includes(text);
    } catch {
      return false;
    }
  });

/** After a refresh (read), the diff against the same inputs: what a preview would show. */
async function afterRefresh(kind: string, made: { id: string; outs: Props }, inputs: Props) {
  const r = await kinds[kind].read(made.id, made.outs);
  expect(r.id).toBe(made.id);
  return kinds[kind].diff(made.id, r.props!, await check(kind, { owner, ...inputs }));
}

describe("2: a route to 0.0.0.0/0 or ::/0, which the kernel lists as default", () => {
  test.each([
    ["Route", (v: string) => ({ destination: "0.0.0.0/0", via: "10.71.0.1", owner: `${owner}-r4-${v}` })],
    ["Route", (v: string) => ({ destination: "::/0", via: "fd71::1", owner: `${owner}-r6-${v}` })],
    ["RouteTable", () => ({ routes: ["0.0.0.0/0 via 10.71.0.1", { destination: "::/0", via: "fd71::1" }] })],
  ])("%s: refresh finds it and the next preview shows no change", async (kind, fields) => {
    const a = await mkns("a");
    const b = await mkns("b");
    await make("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, owner: `${owner}-v` });
    await make("IpAddress", { namespace: a, device: "a-b", address: "10.71.0.2/24", owner: `${owner}-a4` });
    await make("IpAddress", { namespace: a, device: "a-b", address: "fd71::2/64", owner: `${owner}-a6` });
    const inputs = { namespace: a, ...fields("x") };
    const made = await make(kind, inputs);
    const d = await afterRefresh(kind, made, inputs);
    expect(d.changes).toBe(false);
    // And delete removes it.
    await kinds[kind].delete(made.id, made.outs);
    expect(sh("ip", ["-n", a, "-4", "route", "show", "proto", "78"]) + sh("ip", ["-n", a, "-6", "route", "show", "proto", "78"])).toBe("");
  });
});

/** A parent for a macvlan in the root namespace: a veth end of the test's own (removed after each test). */
const macvlanParent = () => {
  sh("ip", ["link", "add", `${p}mp`, "type", "veth", "peer", "name", `${p}mq`]);
  for (const d of [`${p}mp`, `${p}mq`]) sh("ip", ["link", "set", d, "up"]);
};
afterEach(() => spawnSync("ip", ["link", "del", `${p}mp`], { stdio: "ignore" }));

describe("3: an owner change (stack rename, an aliases rename) re-marks every kind's object", () => {
  const A = "itest/old/res";
  const B = "itest/new/res";
  // Each kind's inputs, in namespaces a and b joined by a-b (10.72.0.1/24 in a).
  const cases: Array<[string, (a: string, b: string) => Props]> = [
    ["NetNamespace", () => ({ name: `${p}x` })],
    ["VethLink", (a, b) => ({ name: "v1", namespace: a, peerName: "v2", peerNamespace: b })],
    ["IpAddress", (a) => ({ namespace: a, device: "a-b", address: "10.72.0.9/24" })],
    ["IpForwarding", (a) => ({ namespace: a, ipv4: true })],
    ["Route", (a) => ({ namespace: a, destination: "10.73.0.0/24", via: "10.72.0.2" })],
    ["RouteTable", (a) => ({ namespace: a, routes: ["10.74.0.0/24 via 10.72.0.2"] })],
    ["Bridge", (a) => ({ namespace: a, name: "br9" })],
    ["Nat", (a) => ({ namespace: a, source: "10.72.0.0/24", outInterface: "a-b" })],
    ["TrafficShaping", (a) => ({ namespace: a, device: "a-b", rate: "10mbit" })],
    ["HostsFile", (a) => ({ namespace: a, entries: { x: ["10.72.0.2"] } })],
    ["Process", (a) => ({ namespace: a, command: ["sleep", "120"] })],
    ["File", () => ({ path: `/run/netns-lab-tests/${p}/f.conf`, content: "x\n" })],
    ["VxlanLink", (a) => ({ name: "vx9", namespace: a, vni: 4000 + Math.floor(Math.random() * 10000), remote: "10.250.9.9" })],
    ["MacvlanLink", (a) => (macvlanParent(), { name: "mv9", namespace: a, parent: `${p}mp` })],
    ["Command", (a) => ({ namespace: a, create: ["true"], delete: ["true"] })],
    ["NodeFilesystem", (a) => ({ namespace: a })],
  ];
  test("every kind has a case", () => expect(cases.map((c) => c[0]).sort()).toEqual(Object.keys(registry).sort()));
  test.each(cases)("%s: after the owner changes, refresh finds it, the next preview is empty, and delete removes it", async (kind, fields) => {
    const a = await mkns("a");
    const b = await mkns("b");
    // The rest of the stack, renamed too (its objects carry the new stack's markers).
    await make("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, owner: `${B}-v` });
    await make("IpAddress", { namespace: a, device: "a-b", address: "10.72.0.1/24", owner: `${B}-a` });
    const inputs = fields(a, b);
    const made = await kinds[kind].create(await check(kind, { ...inputs, owner: A }));
    const news = await check(kind, { ...inputs, owner: B });
    const d = await kinds[kind].diff(made.id, made.outs, news);
    expect(d.changes).toBe(true);
    let now: { id: string; outs: Props };
    if (d.replaces.length) {
      // A running program cannot take a new environment: a process is replaced (stopped, started anew).
      expect([kind, d.replaces]).toEqual(["Process", ["owner"]]);
      await kinds[kind].delete(made.id, made.outs);
      now = await kinds[kind].create(news);
    } else {
      const u = await kinds[kind].update(made.id, made.outs, news);
      now = { id: made.id, outs: u.outs };
    }
    const r = await kinds[kind].read(now.id, now.outs);
    expect([kind, r.id]).toEqual([kind, now.id]);
    expect((await kinds[kind].diff(now.id, r.props!, news)).changes).toBe(false);
    // Nothing of the old owner is left: its marker appears nowhere in the namespace's objects.
    const dump = [
      sh("ip", ["-n", a, "-d", "link", "show"]),
      sh("ip", ["netns", "exec", a, "nft", "list", "ruleset"]),
      fs.existsSync(`/etc/netns/${a}/hosts`) ? fs.readFileSync(`/etc/netns/${a}/hosts`, "utf8") : "",
      fs.existsSync(`/run/netns-lab/fs/${a}/owner`) ? fs.readFileSync(`/run/netns-lab/fs/${a}/owner`, "utf8") : "",
    ].join("\n");
    expect(dump).not.toContain("itest/old/");
    expect(marked("NETNS_LAB_OWNER=itest/old/")).toBe(false);
    await kinds[kind].delete(now.id, r.props!);
    // (Forwarding is a setting: deleting it restores the old values; a route table without routes
    // is read as one with none, which up fills again; a Command keeps what it ran: all can always be read.)
    if (kind !== "IpForwarding" && kind !== "RouteTable" && kind !== "Command") expect((await kinds[kind].read(now.id, r.props!)).id).toBeUndefined();
  });
});

describe("5: a VXLAN end whose run was killed before it was marked", () => {
  const vx = (ns: string, vni: number) => sh("ip", ["link", "add", "name", "vx5", "netns", ns, "type", "vxlan", "id", String(vni), "remote", "10.250.9.8", "dstport", "4789"]);
  const inputs = (ns: string, vni: number) => ({ name: "vx5", namespace: ns, vni, remote: "10.250.9.8" });
  test("is adopted by its pending record, and marked; nothing is ever made in the root namespace", async () => {
    const a = await mkns("a");
    const vni = 5000 + Math.floor(Math.random() * 10000);
    pendingLeft(`vxlan ${a}/vx5`);
    vx(a, vni); // what `ip link add … netns` left before the marking call
    const made = await make("VxlanLink", inputs(a, vni));
    expect(JSON.parse(sh("ip", ["-j", "-n", a, "link", "show", "vx5"]))[0].ifalias).toBe(`netns-lab:${owner}`);
    await kinds.VxlanLink.delete(made.id, made.outs);
    // A fresh create: the device is born in the node's namespace (its underlay socket stays in the root one).
    const again = await make("VxlanLink", inputs(a, vni));
    expect(JSON.parse(sh("ip", ["-j", "-d", "-n", a, "link", "show", "vx5"]))[0]).toMatchObject({ ifalias: `netns-lab:${owner}`, link_netnsid: 0 });
    expect(sh("ip", ["-o", "link", "show", "type", "vxlan"])).not.toContain("vx5");
    await kinds.VxlanLink.delete(again.id, again.outs);
  });
  test("without our record (made by hand, even in our namespace) it is refused, and left alone", async () => {
    const a = await mkns("a");
    const vni = 5000 + Math.floor(Math.random() * 10000);
    vx(a, vni);
    await expect(make("VxlanLink", inputs(a, vni))).rejects.toBeInstanceOf(NotOursError);
    expect(sh("ip", ["-n", a, "link", "show", "vx5"])).toContain("vx5");
  });
});

describe("5: a macvlan whose run was killed before it was marked", () => {
  const mv = (ns: string) => sh("ip", ["link", "add", "link", `${p}mp`, "name", "mv5", "netns", ns, "type", "macvlan", "mode", "bridge"]);
  const inputs = (ns: string) => ({ name: "mv5", namespace: ns, parent: `${p}mp` });
  test("is adopted by its pending record, and marked; without the record (made by hand) it is refused and left alone", async () => {
    macvlanParent();
    const a = await mkns("a");
    pendingLeft(`macvlan ${a}/mv5`);
    mv(a); // what `ip link add … netns` left before the marking call
    const made = await make("MacvlanLink", inputs(a));
    expect(JSON.parse(sh("ip", ["-j", "-n", a, "link", "show", "mv5"]))[0].ifalias).toBe(`netns-lab:${owner}`);
    await kinds.MacvlanLink.delete(made.id, made.outs);
    mv(a);
    await expect(make("MacvlanLink", inputs(a))).rejects.toBeInstanceOf(NotOursError);
    expect(sh("ip", ["-n", a, "link", "show", "mv5"])).toContain("mv5");
  });
});

describe("4: a file is ours only if we wrote it", () => {
  const path = () => `/run/netns-lab-tests/${p}/same.conf`;
  afterEach(() => fs.rmSync(`/run/netns-lab-tests/${p}`, { recursive: true, force: true }));
  test("a user's file with the very content we want is refused, never adopted, and survives", async () => {
    fs.mkdirSync(`/run/netns-lab-tests/${p}`, { recursive: true });
    fs.writeFileSync(path(), "router id 1.1.1.1;\n");
    await expect(make("File", { path: path(), content: "router id 1.1.1.1;\n" })).rejects.toBeInstanceOf(NotOursError);
    // And a delete of a File resource that names it (a stack that lost track) leaves it alone.
    await kinds.File.delete(path(), await check("File", { owner, path: path(), content: "other\n" }));
    expect(fs.readFileSync(path(), "utf8")).toBe("router id 1.1.1.1;\n");
  });
  test("our own, left by a run killed after writing it, is adopted; delete removes it and its record", async () => {
    const made = await make("File", { path: path(), content: "x\n" });
    // As if the run had died before the engine recorded it: a second create of the same resource.
    const again = await make("File", { path: path(), content: "y\n" });
    expect(fs.readFileSync(path(), "utf8")).toBe("y\n");
    await kinds.File.delete(made.id, again.outs);
    expect(fs.existsSync(path())).toBe(false);
    const records = fs.existsSync("/run/netns-lab/files") ? fs.readdirSync("/run/netns-lab/files") : [];
    expect(records.some((f) => fs.readFileSync(`/run/netns-lab/files/${f}`, "utf8").includes(path()))).toBe(false);
  });
  test("another resource's file is refused as claimed", async () => {
    await make("File", { path: path(), content: "x\n", owner: "itest/stack/first" });
    await expect(make("File", { path: path(), content: "x\n", owner: "itest/stack/second" })).rejects.toThrow(/first/);
    await kinds.File.delete(path(), await check("File", { owner: "itest/stack/first", path: path(), content: "x\n" }));
  });
});

describe("10: a command that meets the shared SSH connection as it expires", () => {
  // A stand-in for ssh on PATH: the first call fails as OpenSSH does when the master goes away as a
  // client attaches; later calls run the command (the last argument) here.
  const dir = fs.mkdtempSync("/tmp/netns-lab-fake-ssh-");
  const count = `${dir}/count`;
  fs.writeFileSync(`${dir}/ssh`, `#!/bin/sh
n=$(cat ${count} 2>/dev/null || echo 0); echo $((n + 1)) > ${count}
if [ "$n" = 0 ]; then echo "mux_client_request_session: read from master failed: Broken pipe" >&2; exit 255; fi
for last; do :; done; exec sh -c "$last"
`, { mode: 0o755 });
  const path0 = process.env.PATH;
  beforeAll(() => (process.env.PATH = `${dir}:${path0}`));
  afterAll(() => {
    process.env.PATH = path0;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  test("is run again, not reported as an unreachable machine", async () => {
    const { sshExecutor } = await import("../../provider/kernel/ssh");
    const x = sshExecutor({ host: "192.0.2.10", user: "root" });
    expect(await x.run("echo", ["through"])).toBe("through");
    expect(fs.readFileSync(count, "utf8").trim()).toBe("2");
  });
  test("a machine that really cannot be reached still says so", async () => {
    fs.writeFileSync(`${dir}/ssh`, `#!/bin/sh\necho "ssh: connect to host 192.0.2.11 port 22: Connection refused" >&2; exit 255\n`, { mode: 0o755 });
    const { sshExecutor } = await import("../../provider/kernel/ssh");
    await expect(sshExecutor({ host: "192.0.2.11", user: "root" }).run("true", [])).rejects.toThrow(/cannot be reached over SSH/);
  });
});

describe("6 and 7: what a process leaves on the machine — its UTS mount, its run directory", () => {
  const mounted = (path: string) => fs.readFileSync("/proc/mounts", "utf8").split("\n").some((l) => l.split(" ")[1] === path);
  afterEach(() => fs.rmSync(`/run/netns-lab-tests/${p}`, { recursive: true, force: true }));

  test("6: the sweep unmounts and removes a UTS namespace's bind mount left by a killed run", async () => {
    const a = await mkns("a");
    const stack = `sweep6${p.slice(0, -1)}`;
    const made = await make("Process", { namespace: a, command: ["sleep", "120"], hostname: "h6", owner: `itest/${stack}/daemon` });
    const uts = `/run/netns-lab/itest/${stack}/daemon.uts`;
    expect(mounted(uts)).toBe(true);
    const { sweep } = await import("../../provider/sweep");
    const r = await sweep("itest", stack);
    expect(r.processes).toContain(made.outs.pid);
    expect(mounted(uts)).toBe(false);
    expect(fs.existsSync(uts)).toBe(false);
    expect(fs.existsSync(`/run/netns-lab/itest/${stack}`)).toBe(false);
  });

  test("7: a run directory is made, marked, and goes with its process; a stranger's is refused", async () => {
    const a = await mkns("a");
    const dir = `/run/netns-lab-tests/${p}/frr/r1`;
    const made = await make("Process", { namespace: a, command: ["sh", "-c", `echo 1 > ${dir}/zebra.pid; exec sleep 120`], runDir: dir });
    expect(fs.readFileSync(`${dir}/zebra.pid`, "utf8")).toBe("1\n");
    await kinds.Process.delete(made.id, made.outs);
    expect(fs.existsSync(dir)).toBe(false);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}/theirs`, "");
    await expect(make("Process", { namespace: a, command: ["sleep", "1"], runDir: dir })).rejects.toThrow(`cannot use ${dir} as the run directory of sleep: it exists and is not ours`);
    expect(fs.existsSync(`${dir}/theirs`)).toBe(true);
  });

  test("7: the sweep removes the run directory of a killed run", async () => {
    const a = await mkns("a");
    const stack = `sweep7${p.slice(0, -1)}`;
    const dir = `/run/netns-lab-tests/${p}/run7`;
    await make("Process", { namespace: a, command: ["sleep", "120"], runDir: dir, owner: `itest/${stack}/d` });
    const { sweep } = await import("../../provider/sweep");
    await sweep("itest", stack);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test("a runDir of one level is refused at check", async () => {
    const r = await kinds.Process.check({}, { owner, namespace: "x", command: ["sleep", "1"], runDir: "/var" });
    expect(r.failures).toEqual([{ property: "runDir", reason: "runDir: runDir must be at least two levels deep (it is removed with all it holds)" }]);
  });
});

describe("a killed up between making an object and marking it (the kernel takes no alias at creation)", () => {
  test("a veth pair left unmarked is adopted by its pending record, and marked; one without our record is refused", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    pendingLeft(`veth ${a}/o1 ${b}/o2`);
    sh("ip", ["-n", a, "link", "add", "o1", "type", "veth", "peer", "name", "o2", "netns", b]);
    const made = await make("VethLink", { name: "o1", namespace: a, peerName: "o2", peerNamespace: b });
    expect(JSON.parse(sh("ip", ["-j", "-n", b, "link", "show", "o2"]))[0].ifalias).toBe(`netns-lab:${owner}`);
    expect(fs.existsSync(pendingRecordOf(`veth ${a}/o1 ${b}/o2`))).toBe(false);
    await kinds.VethLink.delete(made.id, made.outs);
    sh("ip", ["-n", a, "link", "add", "o1", "type", "veth", "peer", "name", "o2", "netns", b]); // by hand
    await expect(make("VethLink", { name: "o1", namespace: a, peerName: "o2", peerNamespace: b })).rejects.toBeInstanceOf(NotOursError);
    expect(fs.existsSync(pendingRecordOf(`veth ${a}/o1 ${b}/o2`))).toBe(false); // the refused create left no record
  });
  test("a bridge likewise", async () => {
    const a = await mkns("a");
    pendingLeft(`bridge ${a}/br7`);
    sh("ip", ["-n", a, "link", "add", "br7", "type", "bridge"]);
    await make("Bridge", { namespace: a, name: "br7" });
    expect(JSON.parse(sh("ip", ["-j", "-n", a, "link", "show", "br7"]))[0].ifalias).toBe(`netns-lab:${owner}`);
  });
  test("a namespace made but not marked is adopted by its record; one without our record is refused", async () => {
    const name = `${p}n`;
    pendingLeft(`netns ${name}`); // the record create writes first
    sh("ip", ["netns", "add", name]); // then the kill
    const made = await make("NetNamespace", { name });
    expect(JSON.parse(sh("ip", ["-j", "-n", name, "link", "show", "lo"]))[0].ifalias).toBe(`netns-lab:${owner}`);
    expect(fs.existsSync(pendingRecordOf(`netns ${name}`))).toBe(false);
    await kinds.NetNamespace.delete(made.id, made.outs);
    sh("ip", ["netns", "add", name]); // a stranger's, no record
    await expect(make("NetNamespace", { name })).rejects.toBeInstanceOf(NotOursError);
  });
});

describe("a file under /run/netns that is no namespace: an `ip netns del` or `add` interrupted between its two steps (a Ctrl-C reaches ip too; seen in CI after a destroy got SIGINT)", () => {
  const listed = () => sh("ip", ["netns", "list"]);
  test("a namespace unmounted but not unlinked (a killed `ip netns del`): delete removes the file; reading it says gone", async () => {
    const ns = p + "st";
    await mkns("st");
    sh("umount", [`/run/netns/${ns}`]); // what ip netns del does first
    expect(fs.statSync(`/run/netns/${ns}`).isFile()).toBe(true);
    expect(() => sh("ip", ["-n", ns, "link", "show", "lo"])).toThrow(/Invalid argument/);
    const props = { ...(await check("NetNamespace", { name: ns, owner: `${owner}-st` })), __provider: "" };
    expect((await kinds.NetNamespace.read(ns, props)).props).toBeUndefined();
    await kinds.NetNamespace.delete(ns, props);
    expect(fs.existsSync(`/run/netns/${ns}`)).toBe(false);
    expect(listed()).not.toContain(ns);
  });
  test("a file made but not mounted (a killed `ip netns add`): create makes the namespace over it, marked as ours", async () => {
    const ns = p + "sa";
    fs.writeFileSync(`/run/netns/${ns}`, "", { mode: 0 }); // what ip netns add makes before it mounts
    await mkns("sa");
    expect(sh("ip", ["-n", ns, "-j", "-d", "link", "show", "lo"])).toContain(`"ifalias":"netns-lab:${owner}-sa"`);
  });
});
