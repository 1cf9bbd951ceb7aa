// Provider methods against real network namespaces (root needed). Every test uses a unique "nlt"
// prefix and removes its namespaces afterwards, even when it fails.
import { spawnSync } from "child_process";
import { kinds as registry } from "../../provider/runtime";
import { Props as Inputs, Provider } from "../../provider/kinds/kind";

const kinds = registry as unknown as Record<string, Provider> & typeof registry;
import { namespaces, pings, removeNamespaces, setSysctl, sh, uniquePrefix } from "../support/names";

const owner = "itest/stack/res";
let p: string;
beforeEach(() => {
  p = uniquePrefix();
});
afterEach(() => removeNamespaces(p));

async function mkns(name: string): Promise<string> {
  const ns = p + name;
  await kinds.NetNamespace.create({ name: ns, owner: `${owner}-${name}` });
  return ns;
}

async function check(kind: string, news: Inputs): Promise<Inputs> {
  const r = await kinds[kind].check({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}

const linkJson = (ns: string, dev: string) => JSON.parse(sh("ip", ["-j", "-n", ns, "link", "show", "dev", dev]))[0];
const linkDetails = (ns: string, dev: string) => JSON.parse(sh("ip", ["-d", "-j", "-n", ns, "link", "show", "dev", dev]))[0];

describe("NetNamespace", () => {
  test("create, read, delete; delete is idempotent; read of a vanished namespace drops it", async () => {
    const ns = p + "a";
    const { id, outs } = await kinds.NetNamespace.create({ name: ns, owner });
    expect(id).toBe(ns);
    expect(namespaces()).toContain(ns);
    expect(linkJson(ns, "lo").ifalias).toBe(`netns-lab:${owner}`);
    expect(linkJson(ns, "lo").flags).toContain("UP");
    expect((await kinds.NetNamespace.read(id, outs)).id).toBe(ns);
    await kinds.NetNamespace.delete(id, outs);
    expect(namespaces()).not.toContain(ns);
    await kinds.NetNamespace.delete(id, outs); // again: no error
    expect(await kinds.NetNamespace.read(id, outs)).toEqual({});
  });

  test("refuses a namespace it does not own, and leaves it alone on delete", async () => {
    const ns = p + "foreign";
    sh("ip", ["netns", "add", ns]);
    await expect(kinds.NetNamespace.create({ name: ns, owner })).rejects.toThrow(/already exists and is not owned by this stack/);
    await kinds.NetNamespace.delete(ns, { name: ns, owner });
    expect(namespaces()).toContain(ns);
  });

  test("a namespace re-made by hand under the same name is not ours any more", async () => {
    const ns = await mkns("b");
    sh("ip", ["netns", "del", ns]);
    sh("ip", ["netns", "add", ns]);
    expect(await kinds.NetNamespace.read(ns, { name: ns, owner: `${owner}-b` })).toEqual({});
  });
});

describe("VethLink", () => {
  test("create with both ends in their namespaces, update MTU in place, delete", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    const inputs = await check("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, mtu: 1400, offload: { rx: false, tx: false }, owner });
    const { id, outs } = await kinds.VethLink.create(inputs);
    expect(id).toBe(`${a}/a-b`);
    expect(outs).toMatchObject({ mtu: 1400, up: true, offload: { rx: false, tx: false } });
    expect(linkJson(b, "b-a").mtu).toBe(1400);
    expect(linkJson(b, "b-a").ifalias).toBe(`netns-lab:${owner}`);
    // Nothing in the root namespace, ever.
    expect(sh("ip", ["-o", "link", "show", "type", "veth"])).not.toContain("a-b");
    expect(sh("nsenter", [`--net=/run/netns/${b}`, "ethtool", "-k", "b-a"])).toMatch(/tx-checksumming: off/);

    const news = { ...inputs, mtu: 9000 };
    expect((await kinds.VethLink.diff(id, outs, news)).replaces).toEqual([]);
    const { outs: after } = await kinds.VethLink.update(id, outs, news);
    expect(after.mtu).toBe(9000);
    expect(after.ifindex).toBe(outs.ifindex); // same interface, changed in place
    expect(linkJson(b, "b-a").mtu).toBe(9000);

    await kinds.VethLink.delete(id, after);
    expect(() => linkJson(a, "a-b")).toThrow();
    await kinds.VethLink.delete(id, after); // idempotent
  });

  test("read sees drift: MTU changed and link set down by hand; a deleted pair drops out", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    const inputs = await check("VethLink", { name: "x", namespace: a, peerName: "y", peerNamespace: b, mtu: 1500, offload: { rx: false }, owner });
    const { id, outs } = await kinds.VethLink.create(inputs);
    sh("ip", ["-n", a, "link", "set", "dev", "x", "mtu", "1280", "down"]);
    sh("nsenter", [`--net=/run/netns/${b}`, "ethtool", "-K", "y", "rx", "on"]);
    const r = await kinds.VethLink.read(id, outs);
    expect(r.props).toMatchObject({ mtu: 1280, up: false });
    expect(r.props!.offload.rx).toBe("mixed"); // one end flipped by hand
    expect((await kinds.VethLink.diff(id, r.props!, inputs)).changes).toBe(true);
    await kinds.VethLink.update(id, r.props!, inputs);
    expect((await kinds.VethLink.read(id, outs)).props).toMatchObject({ mtu: 1500, up: true, offload: { rx: false } });
    sh("ip", ["-n", a, "link", "del", "x"]);
    expect(await kinds.VethLink.read(id, outs)).toEqual({});
  });

  test("both ends may have the same name in their own namespaces, and both come up", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    const { outs } = await kinds.VethLink.create(await check("VethLink", { name: "eth0", namespace: a, peerName: "eth0", peerNamespace: b, owner }));
    expect(outs.up).toBe(true);
    expect(linkJson(a, "eth0").flags).toContain("UP");
    expect(linkJson(b, "eth0").flags).toContain("UP");
  });

  test("refuses to create over an interface it does not own; missing namespace is named", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    sh("ip", ["-n", a, "link", "add", "taken", "type", "veth", "peer", "name", "other"]);
    const inputs = await check("VethLink", { name: "taken", namespace: a, peerName: "z", peerNamespace: b, owner });
    await expect(kinds.VethLink.create(inputs)).rejects.toThrow(/"taken" already exists in namespace .* not owned by this stack/);
    await kinds.VethLink.delete(`${a}/taken`, inputs); // not ours: left alone
    expect(linkJson(a, "taken")).toBeDefined();
    await expect(kinds.VethLink.create({ ...inputs, name: "n", peerNamespace: p + "nope" })).rejects.toThrow(/namespace "nlt.*nope" does not exist/);
  });

  describe("peerInRoot: the other end in the root namespace (#33: containerlab's host links)", () => {
    const rootLink = (dev: string) => JSON.parse(spawnSync("ip", ["-j", "link", "show", "dev", dev], { encoding: "utf8" }).stdout || "[]")[0];
    test("made from the root namespace in one call, marked, up; this machine reaches the node over it; gone with the node's namespace", async () => {
      const a = await mkns("a");
      const host = `${p}h`;
      const inputs = await check("VethLink", { name: "eth1", namespace: a, peerName: host, peerInRoot: true, mtu: 1400, owner });
      const { id, outs } = await kinds.VethLink.create(inputs);
      expect(outs).toMatchObject({ up: true, mtu: 1400 });
      expect(rootLink(host)).toMatchObject({ ifalias: `netns-lab:${owner}`, mtu: 1400 });
      expect(rootLink(host).flags).toContain("UP");
      expect(linkJson(a, "eth1").flags).toContain("UP");
      sh("ip", ["-n", a, "address", "add", "10.251.7.2/30", "dev", "eth1"]);
      sh("ip", ["address", "add", "10.251.7.1/30", "dev", host]);
      expect(spawnSync("ping", ["-c", "1", "-W", "2", "10.251.7.2"]).status).toBe(0);
      expect((await kinds.VethLink.diff(id, (await kinds.VethLink.read(id, outs)).props!, inputs)).changes).toBe(false);
      // The kernel ends a pair whole: the namespace deleted, the root end is gone with it — once the
      // kernel's cleanup of the released namespace has run (its own work queue: bounded here, 5 s).
      await kinds.NetNamespace.delete(a, { name: a, owner: `${owner}-a` });
      for (let k = 0; k < 50 && rootLink(host); k++) await new Promise((r) => setTimeout(r, 100));
      expect(rootLink(host)).toBeUndefined();
    });

    test("the root end deleted by hand: the pair is gone (read drops it); moved away: broken, diff replaces it; delete is idempotent", async () => {
      const a = await mkns("a");
      const b = await mkns("b");
      const host = `${p}h`;
      const inputs = await check("VethLink", { name: "eth1", namespace: a, peerName: host, peerInRoot: true, owner });
      let { id, outs } = await kinds.VethLink.create(inputs);
      sh("ip", ["link", "del", host]);
      expect(await kinds.VethLink.read(id, outs)).toEqual({});
      ({ id, outs } = await kinds.VethLink.create(inputs));
      sh("ip", ["link", "set", host, "netns", b]);
      const r = await kinds.VethLink.read(id, outs);
      expect(r.props).toMatchObject({ broken: "peerNamespace" });
      expect((await kinds.VethLink.diff(id, r.props!, inputs)).replaces).toContain("peerNamespace");
      await kinds.VethLink.delete(id, r.props!);
      await kinds.VethLink.delete(id, r.props!);
      expect(spawnSync("ip", ["-n", a, "link", "show", "eth1"]).status).not.toBe(0);
    });

    test("peerAddresses: on the root end; one removed by hand is drift, put back; another added by hand left alone; a second end on the subnet refused, naming the first", async () => {
      const a = await mkns("a");
      const b = await mkns("b");
      const host = `${p}h`;
      const inputs = await check("VethLink", { name: "eth1", namespace: a, peerName: host, peerInRoot: true, peerAddresses: ["10.251.8.1/24"], owner });
      const { id, outs } = await kinds.VethLink.create(inputs);
      expect(outs.peerAddresses).toEqual(["10.251.8.1/24"]);
      sh("ip", ["-n", a, "address", "add", "10.251.8.2/24", "dev", "eth1"]);
      expect(spawnSync("ping", ["-c", "1", "-W", "2", "10.251.8.2"]).status).toBe(0);
      sh("ip", ["address", "add", "10.251.9.1/24", "dev", host]); // the user's own: not ours to report or remove
      sh("ip", ["address", "del", "10.251.8.1/24", "dev", host]);
      const r = await kinds.VethLink.read(id, outs);
      expect(r.props!.peerAddresses).toEqual([]);
      const d = await kinds.VethLink.diff(id, r.props!, inputs);
      expect([d.changes, d.replaces]).toEqual([true, []]);
      const { outs: after } = await kinds.VethLink.update(id, r.props!, inputs);
      expect(after.peerAddresses).toEqual(["10.251.8.1/24"]);
      expect(sh("ip", ["-br", "address", "show", "dev", host])).toMatch(/10\.251\.8\.1\/24 10\.251\.9\.1\/24|10\.251\.9\.1\/24 10\.251\.8\.1\/24/);
      // Another lab's gateway on the same subnet: refused (the host's routes would split), and rolled back.
      const second = await check("VethLink", { name: "eth1", namespace: b, peerName: `${p}g`, peerInRoot: true, peerAddresses: ["10.251.8.254/24"], owner: `${owner}2` });
      await expect(kinds.VethLink.create(second)).rejects.toThrow(new RegExp(`cannot put 10\\.251\\.8\\.254/24 on ${p}g in the root namespace: it has 10\\.251\\.8\\.1/24 on ${p}h already`));
      expect(rootLink(`${p}g`)).toBeUndefined();
    });

    test("a root interface not ours is refused, left alone, named", async () => {
      const a = await mkns("a");
      const inputs = await check("VethLink", { name: "eth1", namespace: a, peerName: "lo", peerInRoot: true, owner });
      await expect(kinds.VethLink.create(inputs)).rejects.toThrow(/"lo" already exists in the root namespace .*not owned by this stack/);
      expect(rootLink("lo")).toBeDefined();
    });

    test.each([
      ["neither peerNamespace nor peerInRoot", {}, "peerNamespace", /required \(or peerInRoot: true/],
      ["both", { peerNamespace: "x", peerInRoot: true }, "peerInRoot", /not both/],
      ["a bridge's port in the root namespace", { peerInRoot: true, peerMaster: "br0" }, "peerMaster", /no bridge in the root namespace/],
      ["peerAddresses without peerInRoot", { peerNamespace: "x", peerAddresses: ["10.0.0.1/24"] }, "peerAddresses", /only an end in the root namespace/],
    ])("check refuses %s, naming the property", async (_what, extra, property, reason) => {
      const r = await kinds.VethLink.check({}, { name: "eth1", namespace: `${p}a`, peerName: "x", owner, ...extra });
      expect(r.failures.map((f: { property: string }) => f.property)).toEqual([property]);
      expect(r.failures[0].reason).toMatch(reason);
    });
  });
});

describe("MacvlanLink (#33: containerlab's macvlan links)", () => {
  // The parent: a veth end of this test's in the root namespace (this machine's own interfaces are not the test's to use).
  let parent = "";
  beforeEach(() => {
    parent = `${p}par`;
    sh("ip", ["link", "add", parent, "type", "veth", "peer", "name", `${p}pq`]);
    sh("ip", ["link", "set", parent, "up"]);
    sh("ip", ["link", "set", `${p}pq`, "up"]); // the parent's carrier
  });
  afterEach(() => spawnSync("ip", ["link", "del", parent]));

  test("two on one parent, bridge mode: born in their namespaces, marked, up, reaching each other; MTU in place; read of one deleted drops it; the namespace's deletion takes it", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    const ia = await check("MacvlanLink", { name: "mv0", namespace: a, parent, owner });
    const ib = await check("MacvlanLink", { name: "mv0", namespace: b, parent, mac: "02:4e:4c:00:00:02", owner: `${owner}2` });
    expect(ia.mode).toBe("bridge");
    const { id, outs } = await kinds.MacvlanLink.create(ia);
    const { outs: ob } = await kinds.MacvlanLink.create(ib);
    expect(linkDetails(a, "mv0")).toMatchObject({ ifalias: `netns-lab:${owner}`, linkinfo: { info_kind: "macvlan", info_data: { mode: "bridge" } } });
    expect(linkJson(a, "mv0").flags).toContain("UP");
    expect(ob.mac).toBe("02:4e:4c:00:00:02");
    expect(spawnSync("ip", ["-o", "link", "show", "type", "macvlan"], { encoding: "utf8" }).stdout).not.toContain("mv0"); // never in the root namespace
    sh("ip", ["-n", a, "address", "add", "10.251.10.1/24", "dev", "mv0"]);
    sh("ip", ["-n", b, "address", "add", "10.251.10.2/24", "dev", "mv0"]);
    expect(pings(a, "10.251.10.2")).toBe(true);
    const news = { ...ia, mtu: 1400 };
    expect((await kinds.MacvlanLink.diff(id, outs, news)).replaces).toEqual([]);
    const { outs: after } = await kinds.MacvlanLink.update(id, outs, news);
    expect(after.mtu).toBe(1400);
    expect((await kinds.MacvlanLink.diff(id, after, { ...ia, mode: "private" })).replaces).toEqual(["mode"]);
    sh("ip", ["-n", a, "link", "del", "mv0"]);
    expect(await kinds.MacvlanLink.read(id, after)).toEqual({});
    await kinds.MacvlanLink.delete(id, after); // idempotent
    await kinds.NetNamespace.delete(b, { name: b, owner: `${owner}-b` });
    expect(spawnSync("ip", ["-o", "link", "show", "type", "macvlan"], { encoding: "utf8" }).stdout).toBe("");
  });

  test("a parent that is not there is named; an interface of the name not ours is refused and left alone", async () => {
    const a = await mkns("a");
    await expect(kinds.MacvlanLink.create(await check("MacvlanLink", { name: "mv0", namespace: a, parent: `${p}none`, owner }))).rejects.toThrow(new RegExp(`the parent interface "${p}none" is not in the root namespace`));
    expect(spawnSync("ip", ["-n", a, "link", "show", "mv0"]).status).not.toBe(0);
    sh("ip", ["-n", a, "link", "add", "mv0", "type", "veth", "peer", "name", "other"]);
    await expect(kinds.MacvlanLink.create(await check("MacvlanLink", { name: "mv0", namespace: a, parent, owner }))).rejects.toThrow(/"mv0" already exists in namespace .* not owned by this stack/);
    expect(linkDetails(a, "mv0").linkinfo.info_kind).toBe("veth");
  });
});

describe("IpAddress, IpForwarding, routes: a two-namespace network", () => {
  async function pair() {
    const a = await mkns("a");
    const b = await mkns("b");
    const v = await check("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, owner });
    await kinds.VethLink.create(v);
    return { a, b };
  }

  test("addresses: create, ping across, drift when removed by hand, idempotent delete, in-use error", async () => {
    const { a, b } = await pair();
    const ia = await check("IpAddress", { namespace: a, device: "a-b", address: "10.9.0.1/24", owner });
    const ib = await check("IpAddress", { namespace: b, device: "b-a", address: "10.9.0.2/24", owner });
    const ra = await kinds.IpAddress.create(ia);
    const rb = await kinds.IpAddress.create(ib);
    expect(pings(a, "10.9.0.2")).toBe(true);
    // Again (as after an interrupted run): the address sits on a device this stack made, so it is adopted.
    await expect(kinds.IpAddress.create(ib)).resolves.toMatchObject({ id: rb.id });
    // On a device someone else made, an existing address is refused.
    sh("ip", ["-n", a, "link", "add", "f0", "type", "veth", "peer", "name", "f1"]);
    sh("ip", ["-n", a, "addr", "add", "10.8.0.1/24", "dev", "f0"]);
    await expect(kinds.IpAddress.create({ ...ia, device: "f0", address: "10.8.0.1/24" })).rejects.toThrow(/address 10\.8\.0\.1\/24 already exists on f0 in namespace .* and is not owned by this stack/);
    sh("ip", ["-n", b, "addr", "del", "10.9.0.2/24", "dev", "b-a"]);
    expect(await kinds.IpAddress.read(rb.id, rb.outs)).toEqual({});
    expect((await kinds.IpAddress.read(ra.id, ra.outs)).id).toBe(ra.id);
    await kinds.IpAddress.delete(rb.id, rb.outs); // already gone: fine
    await kinds.IpAddress.delete(ra.id, ra.outs);
    expect(sh("ip", ["-n", a, "addr", "show", "dev", "a-b"])).not.toContain("10.9.0.1");
    await expect(kinds.IpAddress.create({ ...ia, device: "nope0" })).rejects.toThrow(/device "nope0" does not exist/);
  });

  test("IPv6 addresses work without waiting for DAD", async () => {
    const { a, b } = await pair();
    await kinds.IpAddress.create(await check("IpAddress", { namespace: a, device: "a-b", address: "fd00:9::1/64", owner }));
    await kinds.IpAddress.create(await check("IpAddress", { namespace: b, device: "b-a", address: "fd00:9::2/64", owner }));
    const r = await kinds.IpAddress.read("x", { namespace: a, device: "a-b", address: "fd00:9:0::1/64", owner });
    expect(r.id).toBe("x");
    expect(pings(a, "fd00:9::2")).toBe(true);
  });

  test("forwarding: sets, reads drift, restores the original value on delete", async () => {
    const r = await mkns("r");
    const f = await check("IpForwarding", { namespace: r, ipv4: true, ipv6: true, owner });
    const { id, outs } = await kinds.IpForwarding.create(f);
    expect(outs.previous).toEqual({ ipv4: false, ipv6: false });
    const fwd = () => sh("ip", ["netns", "exec", r, "cat", "/proc/sys/net/ipv4/ip_forward"]).trim();
    expect(fwd()).toBe("1");
    setSysctl(r, "net/ipv4/ip_forward", "0"); // flipped by hand
    expect((await kinds.IpForwarding.read(id, outs)).props).toMatchObject({ ipv4: false, ipv6: true });
    await kinds.IpForwarding.update(id, { ...outs, ipv4: false }, f);
    expect(fwd()).toBe("1");
    await kinds.IpForwarding.delete(id, outs);
    expect(fwd()).toBe("0");
    expect(sh("ip", ["netns", "exec", r, "cat", "/proc/sys/net/ipv6/conf/all/forwarding"]).trim()).toBe("0");
  });

  test("Route: add, replace the gateway in place, drift when deleted by hand, idempotent delete", async () => {
    const { a } = await pair();
    await kinds.IpAddress.create(await check("IpAddress", { namespace: a, device: "a-b", address: "10.9.0.1/24", owner }));
    const r = await check("Route", { namespace: a, destination: "10.77.0.0/16", via: "10.9.0.2", owner });
    const { id, outs } = await kinds.Route.create(r);
    expect(sh("ip", ["-n", a, "route", "show", "10.77.0.0/16"])).toMatch(/via 10\.9\.0\.2 .*proto 78/);
    await expect(kinds.Route.create(r)).resolves.toMatchObject({ id }); // ours already: adopted
    sh("ip", ["-n", a, "route", "add", "10.79.0.0/16", "via", "10.9.0.2"]); // someone else's
    await expect(kinds.Route.create({ ...r, destination: "10.79.0.0/16" })).rejects.toThrow(/a route to 10\.79\.0\.0\/16 \(metric 0\) already exists in namespace .* and is not owned by this stack/);
    await kinds.Route.update(id, outs, { ...r, via: "10.9.0.3" });
    expect((await kinds.Route.read(id, { ...outs, via: "10.9.0.3" })).props).toMatchObject({ via: "10.9.0.3" });
    sh("ip", ["-n", a, "route", "del", "10.77.0.0/16"]);
    expect(await kinds.Route.read(id, outs)).toEqual({});
    await kinds.Route.delete(id, outs);
    const unreachable = await check("Route", { namespace: a, destination: "10.78.0.0/16", via: "172.31.0.1", owner });
    await expect(kinds.Route.create(unreachable)).rejects.toThrow(/not reachable/);
  });

  test("RouteTable: one batch; an update touches only changed routes; a failing batch rolls back", async () => {
    const { a } = await pair();
    await kinds.IpAddress.create(await check("IpAddress", { namespace: a, device: "a-b", address: "10.9.0.1/24", owner }));
    const routes = [10, 11, 12].map((n) => ({ destination: `10.${n}.0.0/16`, via: "10.9.0.2" }));
    const t = await check("RouteTable", { namespace: a, routes, owner });
    const { id, outs } = await kinds.RouteTable.create(t);
    await expect(kinds.RouteTable.create(t)).resolves.toMatchObject({ id }); // again: adopts its own routes
    const ours = () => sh("ip", ["-n", a, "route", "show", "proto", "78"]).split("\n").map((l) => l.trim()).filter(Boolean);
    expect(ours()).toHaveLength(3);
    // A route added by hand with our marker's absence is never touched.
    sh("ip", ["-n", a, "route", "add", "10.50.0.0/16", "via", "10.9.0.2"]);
    const next = { ...t, routes: [routes[0], { ...routes[1], via: "10.9.0.3" }] };
    await kinds.RouteTable.update(id, outs, next);
    expect(ours()).toEqual(["10.10.0.0/16 via 10.9.0.2 dev a-b", "10.11.0.0/16 via 10.9.0.3 dev a-b"]);
    sh("ip", ["-n", a, "route", "del", "10.10.0.0/16"]);
    expect((await kinds.RouteTable.read(id, next)).props!.routes).toEqual(["10.11.0.0/16 via 10.9.0.3"]);
    await kinds.RouteTable.delete(id, next);
    expect(ours()).toEqual([]);
    expect(sh("ip", ["-n", a, "route", "show", "10.50.0.0/16"])).toContain("10.50.0.0/16");

    const bad = await check("RouteTable", { namespace: a, routes: [routes[2], { destination: "10.60.0.0/16", via: "172.31.0.1" }], owner });
    await expect(kinds.RouteTable.create(bad)).rejects.toThrow();
    expect(ours()).toEqual([]); // the first route of the failed batch was taken back
  });
});

describe("ownership and adoption, the same for every kind", () => {
  test("typed refusals: a foreign namespace is NotOursError, another resource's interface is ClaimedError", async () => {
    const { NotOursError, ClaimedError } = await import("../../provider/ownership");
    const ns = p + "f";
    sh("ip", ["netns", "add", ns]);
    await expect(kinds.NetNamespace.create({ name: ns, owner })).rejects.toBeInstanceOf(NotOursError);
    const a = await mkns("a");
    const b = await mkns("b");
    await kinds.VethLink.create(await check("VethLink", { name: "x", namespace: a, peerName: "y", peerNamespace: b, owner: "itest/stack/one" }));
    const other = await check("VethLink", { name: "x", namespace: a, peerName: "z", peerNamespace: b, owner: "itest/stack/two" });
    const err = await kinds.VethLink.create(other).catch((e) => e);
    expect(err).toBeInstanceOf(ClaimedError);
    expect(err.message).toMatch(/interface "x" already exists in namespace ".*", made by another resource of this stack \(itest\/stack\/one\)/);
  });

  test("#31: with supersede, a cable takes over interface names other cables of this stack held (removed in the same update), never a stranger's; their deletes leave it alone", async () => {
    const [a, b, c] = [await mkns("a"), await mkns("b"), await mkns("c")];
    // Two old cables: a/eth1-b/eth1 and c/eth1-b/eth2. The new one: a/eth1-c/eth1 (both names taken).
    const one = await kinds.VethLink.create(await check("VethLink", { name: "eth1", namespace: a, peerName: "eth1", peerNamespace: b, owner: "itest/stack/one" }));
    const two = await kinds.VethLink.create(await check("VethLink", { name: "eth1", namespace: c, peerName: "eth2", peerNamespace: b, owner: "itest/stack/two" }));
    const want = { name: "eth1", namespace: a, peerName: "eth1", peerNamespace: c, owner: "itest/stack/new" };
    // Without supersede: refused, nothing changed.
    await expect(kinds.VethLink.create(await check("VethLink", want))).rejects.toThrow(/made by another resource of this stack/);
    expect(linkJson(b, "eth1").ifalias).toBe("netns-lab:itest/stack/one");
    const made = await kinds.VethLink.create(await check("VethLink", { ...want, supersede: true }));
    expect([linkJson(a, "eth1").ifalias, linkJson(c, "eth1").ifalias]).toEqual(["netns-lab:itest/stack/new", "netns-lab:itest/stack/new"]);
    expect(sh("ip", ["-n", b, "-o", "link", "show"])).not.toMatch(/eth[12]/); // the old pairs went whole
    // The old cables' deletes (the engine's, at the end of the update) find the names another's: left alone.
    await kinds.VethLink.delete(one.id, one.outs);
    await kinds.VethLink.delete(two.id, two.outs);
    expect((await kinds.VethLink.read(made.id, made.outs)).props).toMatchObject({ up: true });
    // A stranger's interface is never taken over.
    sh("ip", ["-n", b, "link", "add", "eth9", "type", "veth", "peer", "name", "x9"]);
    const stranger = await kinds.VethLink.create(await check("VethLink", { name: "eth9", namespace: b, peerName: "eth9", peerNamespace: a, owner: "itest/stack/third", supersede: true })).catch((e) => e);
    expect(stranger.message).toMatch(/is not owned by this stack/);
    expect(linkJson(b, "eth9").ifalias).toBeUndefined();
  });

  test("half a pair of ours (the other end moved away by hand) is removed and the pair made again", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    const elsewhere = await mkns("c");
    const v = await check("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, owner });
    const first = await kinds.VethLink.create(v);
    sh("ip", ["-n", b, "link", "set", "b-a", "netns", elsewhere]);
    expect((await kinds.VethLink.read(first.id, first.outs)).props).toMatchObject({ broken: "peerNamespace" });
    const again = await kinds.VethLink.create(v);
    expect(again.outs.broken).toBeUndefined();
    expect(linkJson(b, "b-a").ifalias).toBe(`netns-lab:${owner}`);
    expect(() => linkJson(elsewhere, "b-a")).toThrow(); // gone with its survivor
  });

  test("RouteTable: a route someone else put in one of its places is named, and the table leaves nothing", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    await kinds.VethLink.create(await check("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, owner }));
    await kinds.IpAddress.create(await check("IpAddress", { namespace: a, device: "a-b", address: "10.9.0.1/24", owner }));
    sh("ip", ["-n", a, "route", "add", "10.21.0.0/16", "via", "10.9.0.2"]); // not ours: no protocol 78
    const t = await check("RouteTable", { namespace: a, routes: [{ destination: "10.20.0.0/16", via: "10.9.0.2" }, { destination: "10.21.0.0/16", via: "10.9.0.2" }], owner });
    const err = await kinds.RouteTable.create(t).catch((e) => e);
    expect(err.message).toMatch(/a route to 10\.21\.0\.0\/16 \(metric 0\) already exists in namespace .* and is not owned by this stack/);
    expect(sh("ip", ["-n", a, "route", "show", "proto", "78"]).trim()).toBe("");
    expect(sh("ip", ["-n", a, "route", "show", "10.21.0.0/16"])).toContain("via 10.9.0.2");
  });

  test("IPv6 written another way (fd00:9:0::1) is the same address and the same gateway: no drift", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    await kinds.VethLink.create(await check("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, owner }));
    const addr = await kinds.IpAddress.create(await check("IpAddress", { namespace: a, device: "a-b", address: "fd00:9:0::1/64", owner }));
    expect((await kinds.IpAddress.read(addr.id, addr.outs)).id).toBe(addr.id);
    const t = await check("RouteTable", { namespace: a, routes: [{ destination: "fd00:77::/64", via: "fd00:9:0::2" }, { destination: "default", via: "fd00:9::2" }], owner });
    const { id, outs } = await kinds.RouteTable.create(t);
    const now = await kinds.RouteTable.read(id, outs);
    expect(now.props!.routes).toEqual(t.routes);
    expect((await kinds.RouteTable.diff(id, now.props!, t)).changes).toBe(false);
  });
});
