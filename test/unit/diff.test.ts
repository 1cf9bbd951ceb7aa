// diff(): which changes replace (delete first) and which update in place, from inputs only.
import { kinds } from "../../provider/runtime";
import { providerText } from "../../provider/shim";

const owner = "p/s/r";
const veth = { name: "a-b", namespace: "a", peerName: "b-a", peerNamespace: "b", up: true, owner };
// What the state holds after create: inputs plus what the kernel reported.
const line = providerText("VethLink");
const vethState = { ...veth, mtu: 1500, mac: "02:00:00:00:00:01", peerMac: "02:00:00:00:00:02", ifindex: 2, peerIfindex: 2, __provider: line };

describe("VethLink diff", () => {
  test("no change when only kernel-only outputs differ", async () => {
    const d = await kinds.VethLink.diff("a/a-b", vethState, { ...veth, __provider: line });
    expect(d).toEqual({ changes: false, replaces: [], updates: [], deleteBeforeReplace: true });
  });
  test("a state of an older release (closure-serialized provider with a path) updates the provider line only", async () => {
    const old = { ...vethState, __provider: 'exports.handler = __f0;\n… with({ impl: "/old/checkout/dist/provider/runtime.js", kind: "VethLink" }) …' };
    const d = await kinds.VethLink.diff("a/a-b", old, { ...veth, __provider: line });
    expect(d).toEqual({ changes: true, replaces: [], updates: ["__provider"], deleteBeforeReplace: true });
  });
  test.each([["name", "a-c"], ["namespace", "c"], ["peerName", "b-c"], ["peerNamespace", "c"]])("%s replaces", async (k, v) => {
    const d = await kinds.VethLink.diff("a/a-b", vethState, { ...veth, [k]: v });
    expect(d.changes).toBe(true);
    expect(d.replaces).toEqual([k]);
    expect(d.deleteBeforeReplace).toBe(true);
  });
  test.each([
    ["mtu", 9000],
    ["mac", "02:00:00:00:00:09"],
    ["peerMac", "02:00:00:00:00:0a"],
    ["up", false],
    ["offload", { rx: false }],
  ])("%s updates in place", async (k, v) => {
    const d = await kinds.VethLink.diff("a/a-b", vethState, { ...veth, [k]: v });
    expect(d).toEqual({ changes: true, replaces: [], updates: [k], deleteBeforeReplace: true });
  });
  test("a MAC differing only in case is no change", async () => {
    const d = await kinds.VethLink.diff("a/a-b", vethState, { ...veth, mac: "02:00:00:00:00:01".toUpperCase() });
    expect(d.changes).toBe(false);
  });
  test("an MTU drifted by hand (state from refresh) is a change back", async () => {
    const d = await kinds.VethLink.diff("a/a-b", { ...vethState, mtu: 1400 }, { ...veth, mtu: 1500 });
    expect(d.changes).toBe(true);
  });
});

describe("other kinds", () => {
  test("NetNamespace: a new name replaces", async () => {
    expect((await kinds.NetNamespace.diff("a", { name: "a", owner }, { name: "b", owner })).replaces).toEqual(["name"]);
  });
  test("IpAddress: any change replaces", async () => {
    const a = { namespace: "a", device: "d", address: "10.0.0.1/24", owner };
    expect((await kinds.IpAddress.diff("x", a, { ...a, address: "10.0.0.2/24" })).replaces).toEqual(["address"]);
    expect((await kinds.IpAddress.diff("x", a, { ...a })).changes).toBe(false);
  });
  // A cable made anew (a link moved or renumbered took over the interface name) has another ifindex.
  const ifindexCases: Array<[string, number | undefined, unknown, string[]]> = [
    ["the same device", 7, 7, []],
    ["a device made anew", 7, 9, ["ifindex"]],
    ["not known yet (preview of a new cable)", 7, "04da6b54-80e4-46f7-96ec-b56ff0331ba9", ["ifindex"]],
    ["a state of an older release (none recorded)", undefined, 9, []],
  ];
  test.each(ifindexCases)("IpAddress and TrafficShaping, ifindex: %s", async (_what, old, now, replaces) => {
    const a = { namespace: "a", device: "d", address: "10.0.0.1/24", owner };
    expect((await kinds.IpAddress.diff("x", { ...a, ifindex: old }, { ...a, ifindex: now })).replaces).toEqual(replaces);
    const t = { namespace: "a", device: "d", rate: "10mbit", owner };
    expect((await kinds.TrafficShaping.diff("x", { ...t, ifindex: old }, { ...t, ifindex: now })).replaces).toEqual(replaces);
  });
  test("IpForwarding: flags update in place, unmanaged flags are ignored", async () => {
    const f = { namespace: "r", ipv4: true, owner, previous: { ipv4: false } };
    expect(await kinds.IpForwarding.diff("r", f, { namespace: "r", ipv4: false, owner })).toEqual({ changes: true, replaces: [], updates: ["ipv4"], deleteBeforeReplace: true });
    expect((await kinds.IpForwarding.diff("r", { ...f, ipv6: false }, { namespace: "r", ipv4: true, owner })).changes).toBe(false);
  });
  test("Route: via updates in place, metric and destination replace", async () => {
    const r = { namespace: "h", destination: "default", via: "10.0.0.1", owner };
    expect(await kinds.Route.diff("x", r, { ...r, via: "10.0.0.254" })).toEqual({ changes: true, replaces: [], updates: ["via"], deleteBeforeReplace: true });
    expect((await kinds.Route.diff("x", r, { ...r, via: undefined, device: "eth0" })).updates).toEqual(["via", "device"]);
    expect((await kinds.Route.diff("x", r, { ...r, metric: 10 })).replaces).toEqual(["metric"]);
    expect((await kinds.Route.diff("x", r, { ...r, destination: "10.1.0.0/16" })).replaces).toEqual(["destination"]);
  });
  test("RouteTable: a changed route list updates in place, a new namespace replaces", async () => {
    const t = { namespace: "r", routes: [{ destination: "10.0.2.0/24", via: "10.0.1.2" }], owner };
    expect(await kinds.RouteTable.diff("x", t, { ...t, routes: [] })).toEqual({ changes: true, replaces: [], updates: ["routes"], deleteBeforeReplace: true });
    expect((await kinds.RouteTable.diff("x", t, { ...t, routes: [{ destination: "10.0.2.0/24", via: "10.0.1.2" }] })).changes).toBe(false);
    expect((await kinds.RouteTable.diff("x", t, { ...t, namespace: "q" })).replaces).toEqual(["namespace"]);
  });
  test("RouteTable: a changed address of the namespace re-applies the table in place", async () => {
    const t = { namespace: "r", routes: [{ destination: "default", via: "10.0.1.1" }], addresses: ["10.0.1.2/24"], owner };
    expect(await kinds.RouteTable.diff("x", t, { ...t, addresses: ["10.0.1.200/24"] })).toEqual({ changes: true, replaces: [], updates: ["addresses"], deleteBeforeReplace: true });
    expect((await kinds.RouteTable.diff("x", t, { ...t })).changes).toBe(false);
  });
});

describe("RouteTable diff", () => {
  const table = { namespace: "r1", owner, __provider: providerText("RouteTable") };
  test("routes stored as objects (releases before the texts) equal the same routes as texts", async () => {
    const olds = { ...table, routes: [{ destination: "10.0.2.0/24", via: "10.0.1.2" }, { destination: "default", via: "10.0.1.1", metric: 5 }] };
    const d = await kinds.RouteTable.diff("r1/routes", olds, { ...table, routes: ["10.0.2.0/24 via 10.0.1.2", "default via 10.0.1.1 metric 5"] });
    expect(d).toEqual({ changes: false, replaces: [], updates: [], deleteBeforeReplace: true });
  });
  test("a changed gateway is an in-place update of routes", async () => {
    const d = await kinds.RouteTable.diff("r1/routes", { ...table, routes: ["10.0.2.0/24 via 10.0.1.2"] }, { ...table, routes: ["10.0.2.0/24 via 10.0.1.3"] });
    expect(d).toEqual({ changes: true, replaces: [], updates: ["routes"], deleteBeforeReplace: true });
  });
});
