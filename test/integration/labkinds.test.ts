// Bridge, Nat, TrafficShaping, HostsFile and the bounded gateway wait, against real namespaces.
import * as fs from "fs";
import { kinds as registry } from "../../provider/runtime";
import { Props, Provider } from "../../provider/kinds/kind";
import { NotOursError } from "../../provider/ownership";
import { pings, removeNamespaces, sh, uniquePrefix } from "../support/names";
import { hasNetem } from "../support/kernel";

const kinds = registry as unknown as Record<string, Provider>;
const owner = "itest/stack/res";
let p: string;
beforeEach(() => {
  p = uniquePrefix();
});
afterEach(() => {
  removeNamespaces(p);
  for (const d of fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns") : []) if (d.startsWith(p)) fs.rmSync(`/etc/netns/${d}`, { recursive: true, force: true });
});

async function check(kind: string, news: Props): Promise<Props> {
  const r = await kinds[kind].check({}, news);
  expect(r.failures).toEqual([]);
  return r.inputs;
}
const make = async (kind: string, news: Props) => kinds[kind].create(await check(kind, { owner, ...news }));
const mkns = async (n: string) => (await make("NetNamespace", { name: p + n, owner: `${owner}-${n}` })).id;
const linkJson = (ns: string, dev: string) => JSON.parse(sh("ip", ["-j", "-d", "-n", ns, "link", "show", "dev", dev]))[0];
const qdisc = (ns: string, dev: string) => JSON.parse(sh("ip", ["netns", "exec", ns, "tc", "-j", "qdisc", "show", "dev", dev])).find((q: Props) => q.root);

describe("Bridge and ports", () => {
  test("a bridge with stp and mtu; a veth end joins it; a port detached by hand is drift that update repairs", async () => {
    const sw = await mkns("sw");
    const h = await mkns("h");
    const br = await make("Bridge", { namespace: sw, name: "br0", stp: true, mtu: 1400 });
    expect(linkJson(sw, "br0")).toMatchObject({ mtu: 1400, ifalias: `netns-lab:${owner}`, linkinfo: { info_kind: "bridge", info_data: { stp_state: 1 } } });
    expect(linkJson(sw, "br0").flags).toContain("UP");
    const v = await make("VethLink", { name: "h-sw", namespace: h, peerName: "sw-h", peerNamespace: sw, peerMaster: "br0", mtu: 1400, owner: `${owner}-v` });
    expect(linkJson(sw, "sw-h").master).toBe("br0");
    sh("ip", ["-n", sw, "link", "set", "sw-h", "nomaster"]);
    const drift = await kinds.VethLink.read(v.id, v.outs);
    expect(drift.props!.peerMaster).toBeUndefined();
    const d = await kinds.VethLink.diff(v.id, drift.props!, v.outs);
    expect(d).toMatchObject({ changes: true, replaces: [], updates: ["peerMaster"] });
    await kinds.VethLink.update(v.id, drift.props!, v.outs);
    expect(linkJson(sw, "sw-h").master).toBe("br0");
    // stp turned off by hand: read reports it, update puts it back.
    sh("ip", ["-n", sw, "link", "set", "br0", "type", "bridge", "stp_state", "0"]);
    const b2 = await kinds.Bridge.read(br.id, br.outs);
    expect(b2.props!.stp).toBe(false);
    await kinds.Bridge.update(br.id, b2.props!, br.outs);
    expect(linkJson(sw, "br0").linkinfo.info_data.stp_state).toBe(1);
    await kinds.Bridge.delete(br.id, br.outs);
    expect(() => linkJson(sw, "br0")).toThrow();
    await kinds.Bridge.delete(br.id, br.outs); // idempotent
  });

  test("names that read as ip keywords (br, mtu) are names, not options", async () => {
    const sw = await mkns("sw");
    const h = await mkns("h");
    await make("Bridge", { namespace: sw, name: "br" });
    await make("VethLink", { name: "mtu", namespace: h, peerName: "address", peerNamespace: sw, peerMaster: "br", owner: `${owner}-v` });
    expect(linkJson(sw, "address").master).toBe("br");
    expect(linkJson(h, "mtu").linkinfo.info_kind).toBe("veth");
  });

  test("a bridge someone else made is refused; a port whose bridge is not there fails at once, naming the Bridge to declare, and leaves nothing", async () => {
    const sw = await mkns("sw");
    const h = await mkns("h");
    sh("ip", ["-n", sw, "link", "add", "theirs", "type", "bridge"]);
    await expect(make("Bridge", { namespace: sw, name: "theirs" })).rejects.toBeInstanceOf(NotOursError);
    const t0 = Date.now();
    await expect(make("VethLink", { name: "h-sw", namespace: h, peerName: "sw-h", peerNamespace: sw, peerMaster: "br1" }))
      .rejects.toThrow(`cannot make sw-h a port of bridge "br1": no such bridge in namespace "${sw}"; declare a Bridge named "br1" in "${sw}"`);
    expect(Date.now() - t0).toBeLessThan(1000); // no waiting for it
    expect(() => sh("ip", ["-n", h, "link", "show", "h-sw"])).toThrow(); // rolled back
    await make("Bridge", { namespace: sw, name: "br1", owner: `${owner}-b` });
    await make("VethLink", { name: "h-sw", namespace: h, peerName: "sw-h", peerNamespace: sw, peerMaster: "br1" });
    expect(linkJson(sw, "sw-h").master).toBe("br1");
  });
});

describe("Nat", () => {
  async function routed() {
    const inside = await mkns("in");
    const r = await mkns("r");
    const out = await mkns("out");
    await make("VethLink", { name: "in-r", namespace: inside, peerName: "r-in", peerNamespace: r, owner: `${owner}-1` });
    await make("VethLink", { name: "r-out", namespace: r, peerName: "out-r", peerNamespace: out, owner: `${owner}-2` });
    for (const [ns, dev, a] of [[inside, "in-r", "192.168.77.2/24"], [r, "r-in", "192.168.77.1/24"], [r, "r-out", "10.77.0.1/24"], [out, "out-r", "10.77.0.2/24"]]) {
      sh("ip", ["-n", ns, "addr", "add", a, "dev", dev]);
    }
    sh("ip", ["-n", inside, "route", "add", "default", "via", "192.168.77.1"]);
    sh("ip", ["netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    return { inside, r, out };
  }

  test("masquerade: the far side sees the router's address; the table flushed by hand is drift; SNAT in place; delete", async () => {
    const { inside, r, out } = await routed();
    expect(pings(inside, "10.77.0.2")).toBe(false); // out has no route back to 192.168.77.0/24
    const n = await make("Nat", { namespace: r, source: "192.168.77.0/24", outInterface: "r-out" });
    expect(pings(inside, "10.77.0.2")).toBe(true);
    const table = sh("ip", ["netns", "exec", r, "nft", "list", "ruleset"]);
    expect(table).toMatch(/ip saddr 192\.168\.77\.0\/24 oifname "r-out" masquerade comment "netns-lab:itest\/stack\/res"/);
    expect((await kinds.Nat.read(n.id, n.outs)).props).toMatchObject({ source: "192.168.77.0/24", outInterface: "r-out" });

    sh("ip", ["netns", "exec", r, "nft", "flush", "ruleset"]);
    expect(await kinds.Nat.read(n.id, n.outs)).toEqual({});
    expect(pings(inside, "10.77.0.2")).toBe(false);
    const again = await make("Nat", { namespace: r, source: "192.168.77.0/24", outInterface: "r-out" });
    expect(again.id).toBe(n.id);
    expect(pings(inside, "10.77.0.2")).toBe(true);

    sh("ip", ["-n", r, "addr", "add", "10.77.0.9/24", "dev", "r-out"]);
    const snat = await check("Nat", { namespace: r, source: "192.168.77.0/24", outInterface: "r-out", to: "10.77.0.9", owner });
    expect(await kinds.Nat.diff(n.id, n.outs, snat)).toMatchObject({ changes: true, replaces: [], updates: ["to"] });
    await kinds.Nat.update(n.id, n.outs, snat);
    expect(sh("ip", ["netns", "exec", r, "nft", "list", "ruleset"])).toMatch(/snat to 10\.77\.0\.9/);
    await kinds.Nat.delete(n.id, snat);
    expect(sh("ip", ["netns", "exec", r, "nft", "list", "ruleset"]).trim()).toBe("");
    void out;
  });

  test("an out interface that does not exist fails clearly (after a bounded wait) and leaves nothing", async () => {
    const r = await mkns("r");
    await expect(make("Nat", { namespace: r, source: "192.168.77.0/24", outInterface: "nope0" })).rejects.toThrow(/interface "nope0" does not exist in namespace/);
    expect(sh("ip", ["netns", "exec", r, "nft", "list", "ruleset"]).trim()).toBe("");
  });
});

describe("TrafficShaping", () => {
  test("rate: a tbf at the root with our handle; removed by hand is drift; delay fails clearly, leaving nothing", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    await make("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, owner: `${owner}-v` });
    const s = await make("TrafficShaping", { namespace: a, device: "a-b", rate: "10mbit" });
    expect(qdisc(a, "a-b")).toMatchObject({ kind: "tbf", handle: "4e4c:", options: { rate: 1250000 } });
    expect((await kinds.TrafficShaping.read(s.id, s.outs)).props).toMatchObject({ rate: "10mbit" });
    sh("ip", ["netns", "exec", a, "tc", "qdisc", "change", "dev", "a-b", "root", "handle", "4e4c:", "tbf", "rate", "5mbit", "burst", "32kbit", "latency", "50ms"]);
    const changed = await kinds.TrafficShaping.read(s.id, s.outs);
    expect(changed.props!.rate).toBe("5000000bit");
    await kinds.TrafficShaping.update(s.id, changed.props!, s.outs);
    expect(qdisc(a, "a-b").options.rate).toBe(1250000);
    sh("ip", ["netns", "exec", a, "tc", "qdisc", "del", "dev", "a-b", "root"]);
    expect(await kinds.TrafficShaping.read(s.id, s.outs)).toEqual({});

    // #20.11: the netem path this kernel has — a delay applied, or the clear error and nothing made.
    if (hasNetem()) {
      const d = await make("TrafficShaping", { namespace: b, device: "b-a", delay: "20ms", rate: "10mbit", owner: `${owner}-d` });
      expect(qdisc(b, "b-a")).toMatchObject({ kind: "netem", handle: "4e4c:" });
      expect(sh("ip", ["netns", "exec", b, "tc", "qdisc", "show", "dev", "b-a"])).toMatch(/netem .*delay 20ms/);
      await kinds.TrafficShaping.delete(d.id, d.outs);
    } else {
      await expect(make("TrafficShaping", { namespace: b, device: "b-a", delay: "20ms", rate: "10mbit" })).rejects.toThrow(/this kernel has no netem \(sch_netem\)/);
    }
    expect(qdisc(b, "b-a").handle).toBe("0:");
  });

  test("a root qdisc someone else put there is refused and left alone", async () => {
    const a = await mkns("a");
    const b = await mkns("b");
    await make("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, owner: `${owner}-v` });
    sh("ip", ["netns", "exec", a, "tc", "qdisc", "add", "dev", "a-b", "root", "handle", "1:", "tbf", "rate", "1mbit", "burst", "32kbit", "latency", "50ms"]);
    await expect(make("TrafficShaping", { namespace: a, device: "a-b", rate: "10mbit" })).rejects.toThrow(/a tbf qdisc \(handle 1:\) already exists at the root of a-b .* not owned by this stack/);
    await kinds.TrafficShaping.delete("x", { namespace: a, device: "a-b", rate: "10mbit", owner });
    expect(qdisc(a, "a-b").handle).toBe("1:");
  });
});

describe("HostsFile", () => {
  test("names resolve inside the namespace; an edit by hand is drift; delete removes file and directory, namespace or not", async () => {
    const a = await mkns("a");
    const h = await make("HostsFile", { namespace: a, entries: { h2: ["10.0.2.2"], r1: ["10.255.0.1", "10.0.1.1"], v6: ["fd00:2::2"] } });
    expect(sh("ip", ["netns", "exec", a, "getent", "hosts", "h2"])).toMatch(/^10\.0\.2\.2\s+h2/);
    expect(sh("ip", ["netns", "exec", a, "getent", "hosts", "r1"])).toMatch(/^10\.255\.0\.1\s+r1/); // the first listed
    expect(sh("ip", ["netns", "exec", a, "getent", "hosts", "v6"])).toMatch(/^fd00:2::2\s+v6/);
    fs.appendFileSync(`/etc/netns/${a}/hosts`, "10.9.9.9\tintruder\n");
    const edited = await kinds.HostsFile.read(h.id, h.outs);
    expect(edited.props!.entries.intruder).toEqual(["10.9.9.9"]);
    expect((await kinds.HostsFile.diff(h.id, edited.props!, h.outs)).updates).toEqual(["entries"]);
    await kinds.HostsFile.update(h.id, edited.props!, h.outs);
    expect(fs.readFileSync(`/etc/netns/${a}/hosts`, "utf8")).not.toContain("intruder");
    sh("ip", ["netns", "del", a]);
    await kinds.HostsFile.delete(h.id, h.outs);
    expect(fs.existsSync(`/etc/netns/${a}`)).toBe(false);
  });

  test("a hosts file someone else wrote is refused", async () => {
    const a = await mkns("a");
    fs.mkdirSync(`/etc/netns/${a}`, { recursive: true });
    fs.writeFileSync(`/etc/netns/${a}/hosts`, "127.0.0.1 localhost\n");
    await expect(make("HostsFile", { namespace: a, entries: {} })).rejects.toBeInstanceOf(NotOursError);
    expect(fs.readFileSync(`/etc/netns/${a}/hosts`, "utf8")).toBe("127.0.0.1 localhost\n");
  });
});

test("a route whose gateway no address reaches fails at once, naming what to declare, and leaves no route; with the address it goes in", async () => {
  const a = await mkns("a");
  const b = await mkns("b");
  await make("VethLink", { name: "a-b", namespace: a, peerName: "b-a", peerNamespace: b, owner: `${owner}-v` });
  const routes = [{ destination: "10.68.0.0/16", device: "a-b" }, { destination: "10.67.0.0/16", via: "10.66.0.2" }];
  const t0 = Date.now();
  await expect(make("RouteTable", { namespace: a, routes })).rejects.toThrow(
    `gateway 10.66.0.2 is not reachable from namespace "${a}": no address in its subnet; declare an IpAddress whose subnet holds 10.66.0.2 on a device of "${a}"`,
  );
  expect(Date.now() - t0).toBeLessThan(1000); // no waiting for it
  expect(sh("ip", ["-n", a, "route", "show", "proto", "78"])).toBe(""); // the first route was rolled back
  await make("IpAddress", { namespace: a, device: "a-b", address: "10.66.0.1/24", owner: `${owner}-addr` });
  await make("RouteTable", { namespace: a, routes });
  expect(sh("ip", ["-n", a, "route", "show", "proto", "78"])).toMatch(/10\.67\.0\.0\/16 via 10\.66\.0\.2/);
});
