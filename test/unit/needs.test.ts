// What each kind makes and needs (pure functions of its inputs), the matching rule, and the lab the
// CLI reads from a stack's resources when the program exports no description.
import { labFromResources } from "../../cli/fromstate";
import { Need, pathsIn, Provide, satisfies } from "../../provider/needs";
import { kinds } from "../../provider/runtime";
import type { StateResource } from "../../cli/stack";

const owner = "proj/dev/res";
/** A kind's needs and provides for inputs, through its own check (defaults filled). */
async function declared(kind: keyof typeof kinds, inputs: Record<string, unknown>) {
  const k = kinds[kind] as any;
  const c = await k.check({}, { ...inputs, owner });
  expect(c.failures).toEqual([]);
  return { needs: k.def.needs(c.inputs) as Need[], provides: k.def.provides(c.inputs) as Provide[], makes: k.def.makes as string[] };
}

describe("each kind declares what it makes and needs", () => {
  const cases: Array<[keyof typeof kinds, Record<string, unknown>, Need[], Provide[]]> = [
    ["NetNamespace", { name: "h1" }, [], [{ kind: "namespace", ns: "h1" }]],
    ["VethLink", { name: "a", namespace: "h1", peerName: "b", peerNamespace: "sw", peerMaster: "br0" },
      [{ kind: "namespace", ns: "h1" }, { kind: "namespace", ns: "sw" }, { kind: "device", ns: "sw", dev: "br0" }],
      [{ kind: "device", ns: "h1", dev: "a" }, { kind: "device", ns: "sw", dev: "b" }, { kind: "in", ns: "h1" }, { kind: "in", ns: "sw" }]],
    ["VethLink", { name: "eth1", namespace: "h1", peerName: "h1-eth1", peerInRoot: true, master: "br0" },
      [{ kind: "namespace", ns: "h1" }, { kind: "device", ns: "h1", dev: "br0" }],
      [{ kind: "device", ns: "h1", dev: "eth1" }, { kind: "in", ns: "h1" }]],
    ["IpAddress", { namespace: "h1", device: "a", address: "10.0.0.1/24" },
      [{ kind: "namespace", ns: "h1" }, { kind: "device", ns: "h1", dev: "a" }],
      [{ kind: "address", ns: "h1", dev: "a", cidr: "10.0.0.1/24" }, { kind: "in", ns: "h1" }]],
    ["IpAddress", { namespace: "h1", device: "lo", address: "10.9.9.9/32" }, [{ kind: "namespace", ns: "h1" }],
      [{ kind: "address", ns: "h1", dev: "lo", cidr: "10.9.9.9/32" }, { kind: "in", ns: "h1" }]],
    ["IpForwarding", { namespace: "r1", ipv4: true }, [{ kind: "namespace", ns: "r1" }], [{ kind: "in", ns: "r1" }]],
    ["Route", { namespace: "h1", destination: "default", via: "10.0.0.254" },
      [{ kind: "namespace", ns: "h1" }, { kind: "gateway", ns: "h1", ip: "10.0.0.254" }], [{ kind: "in", ns: "h1" }]],
    ["Route", { namespace: "h1", destination: "10.1.0.0/16", device: "a" },
      [{ kind: "namespace", ns: "h1" }, { kind: "device", ns: "h1", dev: "a" }], [{ kind: "in", ns: "h1" }]],
    ["RouteTable", { namespace: "h1", routes: ["default via 10.0.0.254", "10.2.0.0/16 dev b"] },
      [{ kind: "namespace", ns: "h1" }, { kind: "device", ns: "h1", dev: "b" }, { kind: "gateway", ns: "h1", ip: "10.0.0.254" }], [{ kind: "in", ns: "h1" }]],
    ["Bridge", { namespace: "sw", name: "br0" }, [{ kind: "namespace", ns: "sw" }], [{ kind: "device", ns: "sw", dev: "br0" }, { kind: "in", ns: "sw" }]],
    ["Nat", { namespace: "r1", source: "10.0.0.0/24", outInterface: "wan" },
      [{ kind: "namespace", ns: "r1" }, { kind: "device", ns: "r1", dev: "wan" }], [{ kind: "in", ns: "r1" }]],
    ["TrafficShaping", { namespace: "r1", device: "wan", rate: "1mbit" },
      [{ kind: "namespace", ns: "r1" }, { kind: "device", ns: "r1", dev: "wan" }], [{ kind: "in", ns: "r1" }]],
    ["HostsFile", { namespace: "h1", entries: { h2: ["10.0.0.2"] } }, [{ kind: "namespace", ns: "h1" }], [{ kind: "in", ns: "h1" }]],
    ["File", { path: "/etc/bird/r1.conf", content: "x" }, [], [{ kind: "file", path: "/etc/bird/r1.conf" }]],
    ["Process", { namespace: "r1", command: ["bird", "-f", "-c", "/etc/bird/r1.conf", "--log=/run/x.log"], after: ["zebra"] },
      [{ kind: "namespace", ns: "r1" }, { kind: "inside", ns: "r1" }, { kind: "file", path: "/etc/bird/r1.conf" }, { kind: "file", path: "/run/x.log" }, { kind: "process", name: "zebra" }],
      [{ kind: "process", name: "res" }]],
    ["MacvlanLink", { name: "mv0", namespace: "h1", parent: "eth0", master: "br0" },
      [{ kind: "namespace", ns: "h1" }, { kind: "device", ns: "h1", dev: "br0" }],
      [{ kind: "device", ns: "h1", dev: "mv0" }, { kind: "in", ns: "h1" }]],
    ["VxlanLink", { name: "vx", namespace: "r1", vni: 7, remote: "10.250.0.2", master: "br0" },
      [{ kind: "namespace", ns: "r1" }, { kind: "device", ns: "r1", dev: "br0" }], [{ kind: "device", ns: "r1", dev: "vx" }, { kind: "in", ns: "r1" }]],
    ["Command", { namespace: "pc1", create: ["sh", "/etc/lab/setup.sh"], environment: { CONF: "/etc/lab/pc1.conf" } },
      [{ kind: "namespace", ns: "pc1" }, { kind: "inside", ns: "pc1" }, { kind: "file", path: "/etc/lab/setup.sh" }, { kind: "file", path: "/etc/lab/pc1.conf" }], []],
    ["Command", { namespace: "pc1", create: ["sh", "/etc/lab/prepare.sh"], early: true },
      [{ kind: "namespace", ns: "pc1" }, { kind: "file", path: "/etc/lab/prepare.sh" }], []],
    ["Command", { namespace: "pc1", create: ["touch", "/srv/lab/ran"], host: true },
      [{ kind: "namespace", ns: "pc1" }, { kind: "file", path: "/srv/lab/ran" }], []],
    ["NodeFilesystem", { namespace: "r1", binds: [{ source: "/srv/lab/r1/daemons", target: "/etc/frr/daemons", readOnly: true }] },
      [{ kind: "namespace", ns: "r1" }, { kind: "file", path: "/srv/lab/r1/daemons" }], [{ kind: "in", ns: "r1" }]],
  ];
  test.each(cases)("%s %j", async (kind, inputs, needs, provides) => {
    const d = await declared(kind, inputs);
    expect(d.needs).toEqual(needs);
    expect(d.provides).toEqual(provides);
    // `makes` lists every kind of thing it provides (the registry looks only there).
    for (const p of d.provides) expect(d.makes).toContain(p.kind);
  });

  test("every kind of the registry declares them", () => {
    const covered = new Set(cases.map((c) => c[0]));
    expect(Object.keys(kinds).filter((k) => !covered.has(k as never))).toEqual([]);
  });
});

describe("satisfies", () => {
  const cases: Array<[Provide, Need, boolean]> = [
    [{ kind: "namespace", ns: "a" }, { kind: "namespace", ns: "a" }, true],
    [{ kind: "namespace", ns: "a" }, { kind: "namespace", ns: "b" }, false],
    [{ kind: "device", ns: "a", dev: "x" }, { kind: "device", ns: "a", dev: "x" }, true],
    [{ kind: "device", ns: "b", dev: "x" }, { kind: "device", ns: "a", dev: "x" }, false],
    [{ kind: "address", ns: "a", dev: "x", cidr: "10.0.1.1/24" }, { kind: "gateway", ns: "a", ip: "10.0.1.254" }, true],
    [{ kind: "address", ns: "a", dev: "x", cidr: "10.0.1.1/24" }, { kind: "gateway", ns: "a", ip: "10.0.2.1" }, false],
    [{ kind: "address", ns: "b", dev: "x", cidr: "10.0.1.1/24" }, { kind: "gateway", ns: "a", ip: "10.0.1.2" }, false],
    [{ kind: "address", ns: "a", dev: "x", cidr: "fd00:1::1/64" }, { kind: "gateway", ns: "a", ip: "fd00:1::2" }, true],
    [{ kind: "address", ns: "a", dev: "x", cidr: "10.0.1.1/24" }, { kind: "gateway", ns: "a", ip: "fd00:1::2" }, false],
    [{ kind: "in", ns: "a" }, { kind: "inside", ns: "a" }, true],
    [{ kind: "in", ns: "a" }, { kind: "namespace", ns: "a" }, false],
    [{ kind: "file", path: "/x" }, { kind: "file", path: "/x" }, true],
    [{ kind: "process", name: "zebra" }, { kind: "process", name: "ospfd" }, false],
  ];
  test.each(cases)("%j for %j: %p", (p, n, want) => expect(satisfies(p, n)).toBe(want));
});

test.each([
  [["bird", "-c", "/etc/bird.conf"], ["/etc/bird.conf"]],
  [["daemon", "--config=/etc/d.conf", "-f"], ["/etc/d.conf"]],
  [["sh", "-c", "echo hi"], []],
  [["/usr/sbin/zebra", "-N", "r1"], ["/usr/sbin/zebra"]],
])("pathsIn(%j)", (args, paths) => expect(pathsIn(args)).toEqual(paths));

describe("the lab of a stack without a description", () => {
  const r = (kind: string, name: string, inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}): StateResource => ({ kind, name, id: name, inputs, outputs: { ...inputs, ...outputs } });
  const lab = labFromResources("dev", [
    r("NetNamespace", "a", { name: "p-a" }),
    r("NetNamespace", "r", { name: "p-r" }),
    r("NetNamespace", "sw", { name: "p-sw" }),
    r("VethLink", "a-r", { name: "to-r", namespace: "p-a", peerName: "to-a", peerNamespace: "p-r" }),
    r("VethLink", "r-sw", { name: "lan", namespace: "p-r", peerName: "port", peerNamespace: "p-sw", peerMaster: "br" }),
    r("Bridge", "br", { name: "br", namespace: "p-sw" }),
    r("IpAddress", "a1", { namespace: "p-a", device: "to-r", address: "10.0.0.1/24" }),
    r("IpAddress", "r1", { namespace: "p-r", device: "to-a", address: "10.0.0.2/24" }),
    r("IpAddress", "r2", { namespace: "p-r", device: "to-a", address: "fd00::2/64" }),
    r("IpAddress", "lo", { namespace: "p-r", device: "lo", address: "10.9.9.9/32" }),
    r("IpForwarding", "fwd", { namespace: "p-r", ipv4: true }),
    r("Nat", "nat", { namespace: "p-r", source: "10.0.0.0/24", outInterface: "lan" }),
    r("Process", "bird", { namespace: "p-r", command: ["bird", "-f"] }),
    r("VethLink", "a-host", { name: "eth9", namespace: "p-a", peerName: "a-eth9", peerInRoot: true }),
  ]);
  test("an end in the root namespace: the node's interface, its peer \"host\", no cable and no node for it", () => {
    expect(lab.nodes.find((n) => n.name === "p-a")!.interfaces).toContainEqual({ name: "eth9", peer: "host" });
    expect(lab.links.map((l) => l.name)).toEqual(["a-r", "r-sw"]);
    expect(lab.nodes.map((n) => n.name)).not.toContain(undefined);
  });
  test("nodes by namespace, with their roles", () => {
    expect(lab.nodes.map((n) => [n.name, n.role])).toEqual([["p-a", "host"], ["p-r", "router"], ["p-sw", "switch"]]);
  });
  test("interfaces with their peers and addresses", () => {
    const r1 = lab.nodes.find((n) => n.name === "p-r")!;
    expect(r1.interfaces).toEqual([
      { name: "to-a", peer: "p-a", address: "10.0.0.2/24", addresses: ["10.0.0.2/24", "fd00::2/64"] },
      { name: "lan", peer: "p-sw" },
      { name: "lo", peer: "", address: "10.9.9.9/32" },
    ]);
    expect(r1.nat).toEqual([{ source: "10.0.0.0/24", out: "lan" }]);
    expect(r1.processes).toEqual([{ name: "bird", resource: "bird", command: ["bird", "-f"] }]);
  });
  test("a link per cable, each end with its addresses", () => {
    expect(lab.links).toEqual([
      { name: "a-r", ends: [{ node: "p-a", interface: "to-r", address: "10.0.0.1/24" }, { node: "p-r", interface: "to-a", address: "10.0.0.2/24", addresses: ["10.0.0.2/24", "fd00::2/64"] }] },
      { name: "r-sw", ends: [{ node: "p-r", interface: "lan" }, { node: "p-sw", interface: "port" }] },
    ]);
  });
});
