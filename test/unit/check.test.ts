// check(): every invalid input fails with the property named and a reason; nothing touches the kernel.
import { kinds } from "../../provider/runtime";
import { UNKNOWN } from "../../provider/kinds/kind";

const owner = "proj/stack/res";
const valid = {
  NetNamespace: { name: "host1", owner },
  VethLink: { name: "host1-router1", namespace: "host1", peerName: "router1-host1", peerNamespace: "router1", owner },
  IpAddress: { namespace: "host1", device: "eth0", address: "192.168.1.2/24", owner },
  IpForwarding: { namespace: "router1", ipv4: true, owner },
  Route: { namespace: "host1", destination: "default", via: "192.168.1.1", owner },
  RouteTable: { namespace: "r1", routes: [{ destination: "10.0.2.0/24", via: "10.0.1.2" }], owner },
} as const;
type KindName = keyof typeof valid;

const invalid: Array<[KindName, Record<string, unknown>, string, RegExp]> = [
  ["NetNamespace", { name: "" }, "name", /empty/],
  ["NetNamespace", { name: "a/b" }, "name", /letters, digits/],
  ["NetNamespace", { name: ".." }, "name", /'\.' or '\.\.'/],
  ["NetNamespace", { name: "-x" }, "name", /start with '-'/],
  ["NetNamespace", { name: "x; reboot" }, "name", /letters, digits/],
  ["NetNamespace", { name: "x".repeat(256) }, "name", /255 bytes/],
  ["NetNamespace", { name: 42 }, "name", /string/i],
  ["NetNamespace", { name: "ok", colour: "red" }, "colour", /unknown property/],
  ["VethLink", { name: "a-very-long-interface" }, "name", /1-15 bytes/],
  ["VethLink", { name: "" }, "name", /1-15 bytes/],
  ["VethLink", { peerName: "eth/0" }, "peerName", /'\/'/],
  ["VethLink", { peerName: "eth 0" }, "peerName", /whitespace/],
  ["VethLink", { name: "eth:0" }, "name", /':'/],
  ["VethLink", { name: "émetteur-récept" }, "name", /bytes/],
  ["VethLink", { mtu: 0 }, "mtu", /at least 68/],
  ["VethLink", { mtu: 67 }, "mtu", /at least 68/],
  ["VethLink", { mtu: 65536 }, "mtu", /at most 65535/],
  ["VethLink", { mtu: 1500.5 }, "mtu", /whole number/],
  ["VethLink", { mac: "02:00:00:00:00" }, "mac", /look like/],
  ["VethLink", { mac: "01:00:5e:00:00:01" }, "mac", /unicast/],
  ["VethLink", { peerMac: "00:00:00:00:00:00" }, "peerMac", /not usable/],
  ["VethLink", { offload: { rx: "off" } }, "offload.rx", /boolean/i],
  ["VethLink", { offload: { gso: false } }, "offload", /unrecognized|unknown/i],
  ["VethLink", { peerNamespace: "host1", peerName: "host1-router1" }, "peerName", /must differ/],
  ["VethLink", { namespace: undefined }, "namespace", /required/],
  ["IpAddress", { address: "192.168.1.2" }, "address", /prefix length/],
  ["IpAddress", { address: "192.168.1.256/24" }, "address", /prefix length/],
  ["IpAddress", { address: "192.168.1.2/33" }, "address", /prefix length/],
  ["IpAddress", { address: "fd00::1/129" }, "address", /prefix length/],
  ["IpAddress", { address: "\"; reboot" }, "address", /prefix length/],
  ["IpAddress", { device: "lo0000000000000x" }, "device", /1-15 bytes/],
  ["IpForwarding", { ipv4: "yes" }, "ipv4", /boolean/i],
  ["IpForwarding", { namespace: "a b" }, "namespace", /letters, digits/],
  ["Route", { destination: "192.168.2.5/24" }, "destination", /host bits set: did you mean 192\.168\.2\.0\/24/],
  ["Route", { destination: "fd00:1::1/64", via: "fd00::1" }, "destination", /fd00:1::1\/64 has host bits set: did you mean fd00:1::\/64\?/],
  ["Route", { destination: "10.1/16" }, "destination", /"default" or a CIDR/],
  ["Route", { via: "fe80::1%eth0" }, "via", /not an IPv4 or IPv6 address/],
  ["RouteTable", { routes: [{ destination: "fd00:2::5/48", via: "fd00::1" }] }, "routes.0.destination", /host bits set: did you mean fd00:2::\/48/],
  ["IpAddress", { address: "0x0a.0.0.1/8" }, "address", /prefix length/],
  ["Route", { destination: "everywhere" }, "destination", /"default" or a CIDR/],
  ["Route", { via: "192.168.1" }, "via", /not an IPv4 or IPv6 address/],
  ["Route", { via: "fd00::1", destination: "10.0.0.0/8" }, "via", /same IP family/],
  ["Route", { via: undefined }, "destination", /needs 'via'/],
  ["Route", { metric: -1 }, "metric", /0|greater/i],
  ["RouteTable", { routes: [{ destination: "10.0.2.0/24", via: "10.0.1.2" }, { destination: "10.0.2.0/24", via: "10.0.1.3" }] }, "routes.1.destination", /duplicate route/],
  ["RouteTable", { routes: [{ destination: "10.0.2.0/24" }] }, "routes.0", /needs 'via'/],
  ["RouteTable", { routes: "10.0.2.0/24 via 10.0.1.2" }, "routes", /array/i],
  ["RouteTable", { routes: ["10.0.2.0/24 through 10.0.1.2"] }, "routes.0", /DEST \[via GATEWAY\] \[dev INTERFACE\] \[metric N\]/],
  ["RouteTable", { routes: ["10.0.2.0/24 via"] }, "routes.0", /is not a route written as/],
  ["RouteTable", { routes: ["10.0.2.5/24 via 10.0.1.2"] }, "routes.0.destination", /host bits set: did you mean 10\.0\.2\.0\/24/],
  ["RouteTable", { routes: ["10.0.2.0/24 via 10.0.1.2 metric x"] }, "routes.0.metric", /number/i],
  ["RouteTable", { routes: [{ destination: "10.0.2.0/24", via: "10.0.1.2" }, "10.0.2.0/24 via 10.0.1.3"] }, "routes.1.destination", /duplicate route/],
  ["RouteTable", { routes: [5] }, "routes.0", /a route is an object/],
];

describe("check rejects invalid inputs, naming the property", () => {
  test.each(invalid)("%s %j -> %s", async (kind, patch, property, reason) => {
    const news = { ...valid[kind], ...patch };
    const r = await kinds[kind].check({}, news);
    const f = r.failures.find((x) => x.property === property);
    expect(r.failures).not.toHaveLength(0);
    expect(f).toBeDefined();
    expect(f!.reason).toMatch(reason);
  });
});

describe("check accepts valid inputs and fills defaults", () => {
  test.each(Object.keys(valid) as KindName[])("%s", async (kind) => {
    const r = await kinds[kind].check({}, { ...valid[kind] });
    expect(r.failures).toEqual([]);
  });

  test("veth links are up unless told otherwise", async () => {
    const r = await kinds.VethLink.check({}, { ...valid.VethLink });
    expect(r.inputs.up).toBe(true);
  });

  test("IPv6 addresses and routes are accepted", async () => {
    expect((await kinds.IpAddress.check({}, { ...valid.IpAddress, address: "fd00:1::2/64" })).failures).toEqual([]);
    expect((await kinds.Route.check({}, { ...valid.Route, destination: "fd00:2::/64", via: "fd00:1::1" })).failures).toEqual([]);
  });

  test("a route table's routes, objects or texts, are stored as texts", async () => {
    const r = await kinds.RouteTable.check({}, {
      ...valid.RouteTable,
      routes: [{ destination: "10.0.2.0/24", via: "10.0.1.2" }, "default  via 10.0.1.1 metric 5", { destination: "fd00:2::/64", device: "eth0" }],
    });
    expect(r.failures).toEqual([]);
    expect(r.inputs.routes).toEqual(["10.0.2.0/24 via 10.0.1.2", "default via 10.0.1.1 metric 5", "fd00:2::/64 dev eth0"]);
  });

  test("a value not known yet (preview of a dependent resource) is not judged", async () => {
    const r = await kinds.VethLink.check({}, { ...valid.VethLink, namespace: UNKNOWN, mtu: UNKNOWN });
    expect(r.failures).toEqual([]);
  });
});
