// The program side of needs and provides, under Pulumi's mocks: the dependencies a program of raw
// resources registers, whatever its order, and the programs it refuses (two makers of one thing, a
// cycle). No engine, no kernel.
import * as pulumi from "@pulumi/pulumi";

const registered: Array<{ name: string; type: string; dependencies: string[]; deletedWith: string; replaceWith: string[]; urn?: string }> = [];
pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs }, "proj", "stack", false);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, cb: any) => {
  const rec = {
    name: req.getName(),
    type: req.getType(),
    dependencies: req.getDependenciesList() as string[],
    deletedWith: req.getDeletedwith() as string,
    replaceWith: req.getReplaceWithList() as string[],
    urn: undefined as string | undefined,
  };
  registered.push(rec);
  return register(req, (err: unknown, res: any) => {
    if (res) rec.urn = res.getUrn();
    cb(err, res);
  });
};
const short = (urns: string[]) => urns.map((u) => u.split("::").pop()).sort();
const depsOf = (name: string) => short(registered.find((r) => r.name === name)!.dependencies);
async function until(names: string[]) {
  for (let i = 0; i < 2000 && !names.every((n) => registered.some((r) => r.name === n && r.urn)); i++) await new Promise((r) => setImmediate(r));
}
/** The registry's refusal of a resource, or undefined. */
const failure = (r: pulumi.Resource): Promise<unknown> => (r as any)[Symbol.for("netns-lab.dependencies")].then(() => undefined, (e: unknown) => e);

test("a Process declared first comes after its namespace, what lives there, its files and the process it is after", async () => {
  const lib = await import("../../provider");
  new lib.Process("second", { namespace: "pp", command: ["/bin/sh", "/run/x/second.sh"], after: ["first"] });
  new lib.Process("first", { namespace: "pp", command: ["/bin/sh", "/run/x/first.sh"] });
  new lib.File("second-file", { path: "/run/x/second.sh", content: "" });
  new lib.File("first-file", { path: "/run/x/first.sh", content: "" });
  new lib.IpForwarding("pp-fwd", { namespace: "pp", ipv4: true });
  new lib.NetNamespace("pp");
  await until(["second", "first", "pp"]);
  expect(depsOf("second")).toEqual(["first", "pp", "pp-fwd", "second-file"]);
  expect(depsOf("first")).toEqual(["first-file", "pp", "pp-fwd"]);
  expect(depsOf("pp-fwd")).toEqual(["pp"]);
  expect(depsOf("pp")).toEqual([]);
});

describe("what each kind is deleted with and replaced with, as registered (one of every kind, raw, namespaces last)", () => {
  const rec = (name: string) => registered.find((r) => r.name === name)!;
  beforeAll(async () => {
    const lib = await import("../../provider");
    new lib.Process("lw-proc", { namespace: "lw-a", command: ["/bin/sh", "/run/x/lw.sh"] });
    new lib.File("lw-file", { path: "/run/x/lw.sh", content: "" });
    new lib.HostsFile("lw-hosts", { namespace: "lw-a", entries: { o: ["10.9.1.2"] } });
    new lib.TrafficShaping("lw-shape", { namespace: "lw-a", device: "eth0", rate: "1mbit" });
    new lib.Route("lw-route", { namespace: "lw-a", destination: "default", via: "10.9.0.1" });
    new lib.RouteTable("lw-table", { namespace: "lw-b", routes: ["10.9.9.0/24 dev in"] });
    new lib.Nat("lw-nat", { namespace: "lw-b", source: "10.9.0.0/24", outInterface: "in" });
    new lib.VethLink("lw-veth", { name: "eth0", namespace: "lw-a", peerName: "in", peerNamespace: "lw-b", peerMaster: "lw-br" });
    new lib.VethLink("lw-hostlink", { name: "eth9", namespace: "lw-a", peerName: "lw-h", peerInRoot: true });
    new lib.Command("lw-hostcmd", { namespace: "lw-a", create: ["true"], host: true });
    new lib.Command("lw-cmd", { namespace: "lw-a", create: ["true"] });
    new lib.Bridge("lw-br", { namespace: "lw-b", name: "lw-br" });
    new lib.IpAddress("lw-addr", { namespace: "lw-a", device: "eth0", address: "10.9.0.2/24" });
    new lib.IpAddress("lw-gw", { namespace: "lw-b", device: "lw-br", address: "10.9.0.1/24" });
    new lib.IpForwarding("lw-fwd", { namespace: "lw-b", ipv4: true });
    new lib.NetNamespace("lw-a");
    new lib.NetNamespace("lw-b");
    await until(["lw-proc", "lw-file", "lw-hosts", "lw-shape", "lw-route", "lw-table", "lw-nat", "lw-veth", "lw-hostlink", "lw-hostcmd", "lw-cmd", "lw-br", "lw-addr", "lw-gw", "lw-fwd", "lw-a", "lw-b"]);
  });
  test.each([
    // name, deletedWith, replaceWith
    ["lw-a", "", []],
    ["lw-veth", "lw-a", ["lw-a", "lw-b", "lw-br"]],
    ["lw-br", "lw-b", ["lw-b"]],
    ["lw-addr", "lw-a", ["lw-a", "lw-veth"]],
    ["lw-gw", "lw-b", ["lw-b", "lw-br"]],
    ["lw-shape", "lw-a", ["lw-a", "lw-veth"]],
    ["lw-route", "lw-a", ["lw-a", "lw-addr"]],
    ["lw-table", "lw-b", ["lw-b", "lw-veth"]],
    ["lw-nat", "lw-b", ["lw-b", "lw-veth"]],
    ["lw-fwd", "lw-b", ["lw-b"]],
    // What outlives a namespace is never deleted with it: its own delete always runs.
    ["lw-proc", "", ["lw-a"]],
    ["lw-hosts", "", ["lw-a"]],
    ["lw-file", "", []],
    // An end in the root namespace (a machine-wide name): its own delete runs, so the name is free when destroy returns.
    ["lw-hostlink", "", ["lw-a"]],
    // A command: with its namespace; on the host (what its lines leave running is not in the namespace), its own delete runs.
    ["lw-cmd", "lw-a", ["lw-a"]],
    ["lw-hostcmd", "", ["lw-a"]],
  ])("%s: deletedWith %p, replaceWith %p", (name, deletedWith, replaceWith) => {
    expect(short(rec(name).deletedWith ? [rec(name).deletedWith] : [])).toEqual(deletedWith ? [deletedWith] : []);
    expect(short(rec(name).replaceWith)).toEqual(replaceWith);
  });
  test("a holder its replace-inputs come from as Outputs needs no replaceWith (the engine replaces it through them); deletedWith stays", async () => {
    const lib = await import("../../provider");
    const ns = new lib.NetNamespace("lw-o");
    const veth = new lib.VethLink("lw-o-veth", { name: "x0", namespace: ns.name, peerName: "x1", peerNamespace: "lw-p" });
    new lib.IpAddress("lw-o-addr", { namespace: ns.name, device: veth.name, address: "10.9.5.1/24" });
    new lib.IpAddress("lw-p-addr", { namespace: "lw-p", device: "x1", address: "10.9.5.2/24" });
    new lib.NetNamespace("lw-p");
    await until(["lw-o-veth", "lw-o-addr", "lw-p-addr", "lw-p"]);
    expect(short([rec("lw-o-addr").deletedWith])).toEqual(["lw-o"]);
    expect(short(rec("lw-o-addr").replaceWith)).toEqual([]);
    expect(short(rec("lw-o-veth").replaceWith)).toEqual(["lw-p"]); // its peer namespace was a plain string
    expect(short(rec("lw-p-addr").replaceWith)).toEqual(["lw-o-veth", "lw-p"]);
  });
  test("the program's own deletedWith and replaceWith stay", async () => {
    const lib = await import("../../provider");
    const other = new lib.File("lw-own", { path: "/run/x/lw-own", content: "" });
    new lib.IpForwarding("lw-fwd2", { namespace: "lw-c", ipv4: true }, { deletedWith: other, replaceWith: [other] });
    new lib.NetNamespace("lw-c");
    await until(["lw-fwd2", "lw-c"]);
    expect(short([rec("lw-fwd2").deletedWith])).toEqual(["lw-own"]);
    expect(short(rec("lw-fwd2").replaceWith)).toEqual(["lw-c", "lw-own"]);
  });
});

test("Outputs count like plain strings; the program's own dependsOn stays", async () => {
  const lib = await import("../../provider");
  const ns = new lib.NetNamespace("oo");
  const extra = new lib.File("oo-extra", { path: "/run/x/oo", content: "" });
  new lib.Route("oo-r", { namespace: ns.name, destination: "default", via: "10.7.0.1" }, { dependsOn: [extra] });
  new lib.IpAddress("oo-a", { namespace: ns.name, device: "lo", address: "10.7.0.2/24" });
  await until(["oo-r", "oo-a"]);
  expect(depsOf("oo-r")).toEqual(["oo", "oo-a", "oo-extra"]);
});

/**
 * A declaration the registry judges without the engine registering it (a refused registration is an
 * unhandled rejection, which ends a program — and a jest run): what the resource classes do, minus super().
 */
async function probe(kind: string, name: string, args: Record<string, unknown>) {
  const { declare } = await import("../../provider/registry");
  const { kinds } = await import("../../provider/runtime");
  const d = declare(kind, (kinds as any)[kind], name, { ...args, owner: `proj/stack/${name}` }, undefined);
  const r = { urn: pulumi.output(`urn:${name}`) } as unknown as pulumi.Resource;
  d.attach(r);
  return r;
}

test("#20.4: two resources making one address (or one device, one namespace, one file) fail the program, naming both", async () => {
  await probe("NetNamespace", "dd", { name: "dd" });
  await probe("IpAddress", "dd-a1", { namespace: "dd", device: "lo", address: "10.8.0.1/24" });
  const second = await probe("IpAddress", "dd-a2", { namespace: "dd", device: "lo", address: "10.8.0.1/24" });
  const twin = await probe("NetNamespace", "dd-twin", { name: "dd" });
  const file = await probe("File", "dd-f1", { path: "/run/x/dd", content: "a" });
  const file2 = await probe("File", "dd-f2", { path: "/run/x/dd", content: "a" });
  expect(await failure(file)).toBeUndefined();
  expect(String(await failure(second))).toContain('IpAddress "dd-a1" and IpAddress "dd-a2" both make address 10.8.0.1/24 on "lo" in namespace "dd"');
  expect(String(await failure(twin))).toContain('NetNamespace "dd" and NetNamespace "dd-twin" both make network namespace "dd"');
  expect(String(await failure(file2))).toContain('File "dd-f1" and File "dd-f2" both make file /run/x/dd');
});

test("a cycle of needs fails the program instead of hanging it", async () => {
  await probe("NetNamespace", "cc", { name: "cc" });
  const a = await probe("Process", "cc-a", { namespace: "cc", command: ["sleep", "1"], after: ["cc-b"] });
  const b = await probe("Process", "cc-b", { namespace: "cc", command: ["sleep", "1"], after: ["cc-a"] });
  const errors = (await Promise.all([failure(a), failure(b)])).filter(Boolean).map(String);
  expect(errors.join("\n")).toMatch(/a dependency cycle: Process "cc-[ab]" needs Process "cc-[ab]" needs Process "cc-[ab]"/);
});

// Defects II (#30), item 9: the matching awaited every candidate's inputs, and a candidate whose
// input is an Output of the waiting resource never registers: the program hung (here: until's bound,
// then the expectation fails).
test("#30 item 9: a Process whose command comes from another Process's logFile: both register (no wait on its own dependents)", async () => {
  const lib = await import("../../provider");
  const a = new lib.Process("d9-a", { namespace: "d9", command: ["/bin/sleep", "100"], after: ["d9-c"] });
  new lib.Process("d9-b", { namespace: "d9", command: pulumi.output(a.logFile).apply((l) => ["/usr/bin/tail", "-f", l ?? "/run/none"]) });
  new lib.Process("d9-c", { namespace: "d9", command: ["/bin/sleep", "100"] });
  new lib.NetNamespace("d9");
  await until(["d9-a", "d9-b", "d9-c", "d9"]);
  expect(["d9-a", "d9-b", "d9-c"].map((n) => registered.some((r) => r.name === n && r.urn))).toEqual([true, true, true]);
  expect(depsOf("d9-a")).toEqual(["d9", "d9-c"]);
  expect(depsOf("d9-b")).toEqual(expect.arrayContaining(["d9", "d9-a"]));
});

// Item 10: a link's addresses and shaping were named from the interface alone: two links with the
// same `names` (eth0/eth1 on each pair), or one name at both ends, made two resources of one URN.
test("#30 item 10: links with repeated interface names register parts of distinct names, aliased to the old ones", async () => {
  const lib = await import("../../provider");
  const lab = new lib.Lab("d10", { namespacePrefix: "d10-" });
  const [h1, r1, h2, r2] = [lab.host("h1"), lab.router("r1"), lab.host("h2"), lab.router("r2")];
  lab.link(h1, r1, { names: ["eth0", "eth1"], addresses: ["10.80.1.2/24", "10.80.1.1/24"], shaping: { rate: "10mbit" } });
  lab.link(h2, r2, { names: ["eth0", "eth1"], addresses: ["10.80.2.2/24", "10.80.2.1/24"], shaping: { rate: "10mbit" } });
  lab.link(r1, r2, { names: ["eth9", "eth9"], addresses: ["10.80.3.1/24", "10.80.3.2/24"] });
  const parts = ["h1.eth0-addr", "r1.eth1-addr", "h2.eth0-addr", "r2.eth1-addr", "r1.eth9-addr", "r2.eth9-addr", "h1.eth0-shaping", "h2.eth0-shaping"];
  await until(parts);
  for (const type of new Set(registered.filter((r) => r.name.startsWith("h") || r.name.startsWith("r")).map((r) => r.type))) {
    const names = registered.filter((r) => r.type === type && r.urn?.includes("d10") !== false).map((r) => r.urn);
    expect(names.length).toBe(new Set(names).size);
  }
  expect(parts.map((p) => registered.some((r) => r.name === p && r.urn))).toEqual(parts.map(() => true));
  // The second eth0-eth1 cable is named from its nodes; the first keeps the name it always had.
  expect(registered.filter((r) => r.type === "netns-lab:index:Link").map((r) => r.name)).toEqual(expect.arrayContaining(["eth0-eth1", "h2.eth0-r2.eth1", "eth9-eth9"]));
});
