// The components under Pulumi's mocks: the tree, the names, the inputs and the dependencies a lab
// program registers, in milliseconds (no engine, no kernel).
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  parent: string;
  dependencies: string[];
  inputs: Record<string, any>;
  urn?: string;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource: (args) => ({ id: args.custom ? `${args.name}-id` : undefined, state: args.inputs }),
    call: (args) => args.inputs,
  },
  "proj",
  "stack",
  false,
);
// Record what the program asks the engine for, dependencies included.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, cb: any) => {
  const rec: Registered = {
    type: req.getType(),
    name: req.getName(),
    parent: req.getParent(),
    dependencies: req.getDependenciesList(),
    inputs: (req.getObject()?.toJavaScript() ?? {}) as Record<string, any>,
  };
  registered.push(rec);
  return register(req, (err: unknown, res: any) => {
    if (res) rec.urn = res.getUrn();
    cb(err, res);
  });
};

const byName = (name: string, type?: string) => {
  const r = registered.find((x) => x.name === name && (!type || x.type.endsWith(`:${type}`)));
  if (!r) throw new Error(`${name} was not registered (have ${registered.map((x) => x.name).join(", ")})`);
  return r;
};
/** Polls until `last` is registered and every registration has its URN back (no fixed sleep). */
async function settled(last: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (registered.some((r) => r.name === last) && registered.every((r) => r.urn)) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`${last} was never registered`);
}

describe("the curo lab as components", () => {
  let description: any;
  beforeAll(async () => {
    const { curo } = await import("../../stacks/curo");
    description = curo("kernel", { namespacePrefix: "t-" }).lab.description();
    await settled("host2-routes");
  });

  test("every resource sits in the Lab's tree: node resources under their node, link resources under their link", () => {
    const lab = byName("curo");
    expect(lab.type).toBe("netns-lab:index:Lab");
    expect(byName("host1").type).toBe("netns-lab:index:Host");
    expect(byName("host1").parent).toBe(lab.urn);
    expect(byName("router1").type).toBe("netns-lab:index:Router");
    const ns = registered.find((r) => r.type === "pulumi-nodejs:dynamic/netns-lab:NetNamespace" && r.name === "host1")!;
    expect(ns.parent).toBe(registered.find((r) => r.type === "netns-lab:index:Host" && r.name === "host1")!.urn);
    expect(byName("router1-forwarding").parent).toBe(registered.find((r) => r.type === "netns-lab:index:Router" && r.name === "router1")!.urn);
    const link = registered.find((r) => r.type === "netns-lab:index:Link" && r.name === "host1-router1")!;
    expect(registered.find((r) => r.type.endsWith(":VethLink") && r.name === "host1-router1")!.parent).toBe(link.urn);
    expect(byName("host1-router1-addr").parent).toBe(link.urn);
    // Walk each resource's parents: every one reaches the Lab.
    const byUrn = new Map(registered.map((r) => [r.urn, r]));
    const reachesLab = (r: Registered | undefined): boolean => !!r && (r === lab || reachesLab(byUrn.get(r.parent)));
    const others = registered.filter((x) => x !== lab);
    expect(others.length).toBeGreaterThan(20);
    expect(others.filter((r) => !reachesLab(r)).map((r) => r.name)).toEqual([]);
  });

  test("names: namespaces carry the prefix, interfaces are <node>-<peer>, owners are project/stack/resource", () => {
    const ns = registered.filter((r) => r.type.endsWith(":NetNamespace")).map((r) => r.inputs.name).sort();
    expect(ns).toEqual(["t-host1", "t-host2", "t-router1", "t-router2"]);
    const veth = registered.find((r) => r.type.endsWith(":VethLink") && r.name === "router1-router2")!.inputs;
    expect(veth).toMatchObject({ name: "router1-router2", namespace: "t-router1", peerName: "router2-router1", peerNamespace: "t-router2", owner: "proj/stack/router1-router2", offload: { rx: false, tx: false } });
    expect(byName("router2-host2-addr").inputs).toMatchObject({ namespace: "t-router2", device: "router2-host2", address: "192.168.2.1/24" });
  });

  test("a node's route table comes after its namespace and the address whose subnet holds its gateway (its needs), and knows its addresses", () => {
    const table = byName("router1-routes");
    expect([...table.dependencies].sort()).toEqual([byName("router1", "NetNamespace").urn, byName("router1-router2-addr").urn].sort());
    expect(table.inputs).toMatchObject({ namespace: "t-router1", routes: [{ destination: "192.168.2.0/24", via: "192.168.0.2" }], addresses: ["192.168.1.1/24", "192.168.0.1/24"] });
  });

  test("the description lists nodes, interfaces and links as the program declared them", () => {
    expect(description.nodes.map((n: any) => [n.name, n.role, n.namespace])).toEqual([
      ["host1", "host", "t-host1"], ["router1", "router", "t-router1"], ["router2", "router", "t-router2"], ["host2", "host", "t-host2"],
    ]);
    expect(description.links[1]).toEqual({ name: "router1-router2", ends: [
      { node: "router1", interface: "router1-router2", address: "192.168.0.1/24" },
      { node: "router2", interface: "router2-router1", address: "192.168.0.2/24" },
    ] });
    expect(description.expectUnreachable).toBeUndefined();
  });
});

test("external mode: router1 gets no address, forwarding or routes, and the lab expects host1 not to reach host2", async () => {
  registered.length = 0;
  const { curo } = await import("../../stacks/curo");
  const d = curo("external", { namespacePrefix: "u-" }).lab.description();
  await settled("host2-routes");
  const names = registered.map((r) => r.name);
  expect(names).not.toContain("router1-forwarding");
  expect(names).not.toContain("router1-routes");
  expect(names).not.toContain("router1-host1-addr");
  expect(d.expectUnreachable).toEqual(expect.arrayContaining([["host1", "host2"], ["host2", "host1"]]));
});

describe("the curo-nat lab and the building blocks", () => {
  let d: any;
  beforeAll(async () => {
    registered.length = 0;
    const { curoNat } = await import("../../stacks/curo-nat");
    d = curoNat("kernel", { namespacePrefix: "n-" }).lab.description();
    await settled("router1-nat");
    await settled("host2-hosts");
  });
  const inputs = (type: string, name: string) => registered.find((r) => r.type.endsWith(`:${type}`) && r.name === name)!.inputs;

  test("a LAN is a switch node with a bridge named after it; each member's cable ends in a port of it", () => {
    expect(inputs("NetNamespace", "br0")).toMatchObject({ name: "n-br0" });
    expect(inputs("Bridge", "br0-bridge")).toMatchObject({ namespace: "n-br0", name: "br0" });
    expect(inputs("VethLink", "router1-br0")).toMatchObject({ name: "router1-br0", namespace: "n-router1", peerName: "br0-router1", peerNamespace: "n-br0", peerMaster: "br0" });
    expect(byName("router1-br0-addr").inputs).toMatchObject({ namespace: "n-router1", device: "router1-br0", address: "192.168.1.1/24" });
    expect(registered.filter((r) => r.name.startsWith("br0-") && r.name.endsWith("-addr"))).toEqual([]); // ports carry no address
    expect(d.nodes.find((n: any) => n.name === "br0")).toMatchObject({ role: "switch", namespace: "n-br0" });
  });

  test("the NAT comes after the cable it leaves by (its need) and translates the LAN out of router1-router2", () => {
    const nat = byName("router1-nat");
    expect(nat.inputs).toMatchObject({ namespace: "n-router1", source: "192.168.1.0/24", outInterface: "router1-router2" });
    const out = registered.find((r) => r.type.endsWith(":VethLink") && r.name === "router1-router2")!.urn;
    expect([...nat.dependencies].sort()).toEqual([byName("router1", "NetNamespace").urn, out].sort());
    expect(d.nodes.find((n: any) => n.name === "router1").nat).toEqual([{ source: "192.168.1.0/24", out: "router1-router2" }]);
  });

  test("every node gets a hosts file naming every node's addresses", () => {
    const files = registered.filter((r) => r.type.endsWith(":HostsFile"));
    expect(files.map((f) => f.inputs.namespace).sort()).toEqual(["n-br0", "n-host1", "n-host2", "n-host3", "n-router1", "n-router2"]);
    expect(inputs("HostsFile", "host1-hosts").entries).toEqual({
      host1: ["192.168.1.2"], host3: ["192.168.1.3"], router1: ["192.168.1.1", "192.168.0.1"], router2: ["192.168.0.2", "192.168.2.1"], host2: ["192.168.2.2"],
    });
  });

  test("outside nodes must not reach the private network; the rest is reachable", () => {
    expect(d.expectUnreachable).toEqual([["router2", "192.168.1.0/24"], ["host2", "192.168.1.0/24"]]);
  });
});

describe("declared in any order, several addresses, loopbacks, shaping", () => {
  let d: any;
  beforeAll(async () => {
    registered.length = 0;
    const { Lab } = await import("../../provider");
    const lab = new Lab("any", { namespacePrefix: "a-" });
    const r = lab.router("r");
    const h = lab.host("h");
    // Routes first, the link and loopback after: the table still waits for every address.
    h.routes([{ destination: "default", via: "10.0.0.1" }]);
    lab.link(h, r, { addresses: [["10.0.0.2/24", "fd00::2/64"], "10.0.0.1/24"], shaping: { rate: "10mbit" } });
    r.loopback(["10.255.0.1/32", "fd00:ff::1/128"]);
    d = lab.description();
    await settled("r-hosts");
  });

  test("a route table declared before its link still depends on the address that reaches its gateway, and knows the link's addresses", () => {
    const t = byName("h-routes");
    expect(t.inputs.addresses).toEqual(["10.0.0.2/24", "fd00::2/64"]);
    expect(t.dependencies).toContain(byName("h-r-addr").urn);
    expect(t.dependencies).not.toContain(byName("h-r-addr-2").urn); // fd00::2/64 does not hold 10.0.0.1
  });

  test("a list of addresses is one IpAddress each; loopbacks sit on lo and come first in hosts files", () => {
    expect(byName("h-r-addr-2").inputs).toMatchObject({ device: "h-r", address: "fd00::2/64" });
    expect(byName("r-lo-addr").inputs).toMatchObject({ namespace: "a-r", device: "lo", address: "10.255.0.1/32" });
    expect(byName("r-lo-addr-2").inputs).toMatchObject({ device: "lo", address: "fd00:ff::1/128" });
    expect(inputs("h-hosts").entries).toEqual({ h: ["10.0.0.2", "fd00::2"], r: ["10.255.0.1", "fd00:ff::1", "10.0.0.1"] });
    expect(d.links[0].ends[0]).toEqual({ node: "h", interface: "h-r", address: "10.0.0.2/24", addresses: ["10.0.0.2/24", "fd00::2/64"] });
  });

  test("link shaping puts the same TrafficShaping on both ends", () => {
    expect(byName("h-r-shaping").inputs).toMatchObject({ namespace: "a-h", device: "h-r", rate: "10mbit" });
    expect(byName("r-h-shaping").inputs).toMatchObject({ namespace: "a-r", device: "r-h", rate: "10mbit" });
  });

  function inputs(name: string) {
    return byName(name).inputs;
  }
});

test("a LAN member given twice is refused at once, naming it", async () => {
  const { Lab } = await import("../../provider");
  const lab = new Lab("dup", { hosts: false });
  const h = lab.host("h");
  expect(() => lab.lan("lan0", [[h, "10.0.0.1/24"], [h, "10.0.0.2/24"]])).toThrow("lan lan0: h is a member twice");
});

test("#20.1: two cables between the same pair of nodes, each with its interface names, are two Links (a pair without names keeps <a>-<b>)", async () => {
  registered.length = 0;
  const { Lab } = await import("../../provider");
  const lab = new Lab("parallel", { hosts: false, namespacePrefix: "par-" });
  const h = lab.host("h"), r = lab.router("r"), s = lab.host("s");
  const one = lab.link(h, r, { names: ["h-eth1", "r-eth1"], addresses: ["10.1.0.2/24", "10.1.0.1/24"] });
  const two = lab.link(h, r, { names: ["h-eth2", "r-eth2"], addresses: ["10.2.0.2/24", "10.2.0.1/24"] });
  lab.link(s, r, { addresses: ["10.3.0.2/24", "10.3.0.1/24"] });
  await settled("r-s-addr");
  const links = registered.filter((x) => x.type === "netns-lab:index:Link").map((x) => x.name);
  expect(links).toEqual(["h-eth1-r-eth1", "h-eth2-r-eth2", "s-r"]);
  const veths = registered.filter((x) => x.type.endsWith(":VethLink")).map((x) => x.name);
  expect(new Set(veths).size).toBe(3);
  expect([one.ends[0].name, two.ends[0].name]).toEqual(["h-eth1", "h-eth2"]);
  expect(lab.description().links.map((l) => l.name)).toEqual(["h-eth1-r-eth1", "h-eth2-r-eth2", "s-r"]);
});

test("node.run takes `after`: ospfd after zebra, as a need the engine orders by; an unknown name is refused at once", async () => {
  registered.length = 0;
  const { Lab } = await import("../../provider");
  const lab = new Lab("daemons", { hosts: false, namespacePrefix: "dmn-" });
  const r = lab.router("r1");
  r.run("zebra", ["/usr/lib/frr/zebra", "-N", "r1"]);
  const ospfd = r.run("ospfd", ["/usr/lib/frr/ospfd", "-N", "r1"], { after: "zebra" });
  expect(ospfd).toBeDefined();
  expect(() => r.run("bgpd", ["bgpd"], { after: "ripd" })).toThrow('node r1: run("bgpd") comes after "ripd", which this node does not run (yet): declare "ripd" first');
  await settled("r1-ospfd");
  expect(byName("r1-ospfd").inputs.after).toEqual(["r1-zebra"]);
  expect(byName("r1-ospfd").dependencies).toContain(byName("r1-zebra").urn);
  expect(byName("r1-zebra").dependencies).not.toContain(byName("r1-ospfd").urn);
});

test("#31 item 2: a node with `filesystem` gets a NodeFilesystem (its binds), its programs run in it, the description says so; a node without gets none", async () => {
  registered.length = 0;
  const { Lab } = await import("../../provider");
  const lab = new Lab("fsl", { hosts: false, namespacePrefix: "fsl-" });
  const r = lab.router("r1", { filesystem: { binds: [{ source: "/srv/lab/r1.conf", target: "/etc/frr/frr.conf", readOnly: true }] } });
  const h = lab.host("h1");
  r.run("zebra", ["/usr/lib/frr/zebra"]);
  h.run("web", ["python3", "-m", "http.server"]);
  await settled("h1-web");
  expect(byName("r1-fs", "NodeFilesystem").inputs).toMatchObject({ namespace: "fsl-r1", binds: [{ source: "/srv/lab/r1.conf", target: "/etc/frr/frr.conf", readOnly: true }] });
  expect(byName("r1-zebra").inputs.filesystem).toBe(true);
  expect(byName("h1-web").inputs.filesystem).toBeUndefined();
  expect(registered.filter((x) => x.type.endsWith(":NodeFilesystem")).map((x) => x.name)).toEqual(["r1-fs"]);
  const d = lab.describe();
  expect(d.nodes.find((n) => n.name === "r1")!.filesystem).toBe(true);
  expect(d.nodes.find((n) => n.name === "h1")!.filesystem).toBeUndefined();
});

test("#31: two cables claiming one interface of a node are refused at once, naming both (so a cable may take over a name another cable of the stack held)", async () => {
  const { Lab } = await import("../../provider");
  const lab = new Lab("dupif", { hosts: false });
  const [a, b, c] = [lab.host("a"), lab.host("b"), lab.host("c")];
  lab.link(a, b, { name: "one", names: ["eth1", "eth1"] });
  expect(() => lab.link(a, c, { name: "two", names: ["eth1", "eth1"] })).toThrow('lab dupif: a has two interfaces named "eth1" (cable "two" and another): give one another name');
  expect(() => lab.link(c, b, { name: "three", names: ["eth2", "eth1"] })).toThrow('lab dupif: b has two interfaces named "eth1"');
  expect(() => lab.link(a, c, { name: "four", names: ["eth2", "eth2"] })).not.toThrow();
});
