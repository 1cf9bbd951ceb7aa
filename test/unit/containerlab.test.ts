// containerlab topology files as plans (pure: no kernel, no engine): the example files of
// examples/clab read as they are, the merging of defaults/kinds/groups, the words of exec lines,
// FRR's daemons and addresses, and one warning (or error) per field netns-lab cannot honour.
import * as fs from "fs";
import * as path from "path";
import { containerlab, execAddresses, frrAddresses, frrDaemons, linesCables, nthAddress, planContainerlab, splitWords } from "../../provider/components/containerlab";

const EX = path.resolve(__dirname, "..", "..", "examples", "clab");
const plan = (file: string) => planContainerlab(fs.readFileSync(path.join(EX, file), "utf8"), path.dirname(path.join(EX, file)), file);
const inline = (yaml: string) => planContainerlab(yaml, "/labs", "t.clab.yml");

test("two-nodes: two linux nodes, one cable, exec lines as words; the image's own filesystem is one warning", () => {
  const p = plan("two-nodes.clab.yml");
  expect(p.name).toBe("two-nodes");
  expect(p.prefix).toBe("clab-two-nodes-");
  expect(p.nodes.map((n) => [n.name, n.kind, n.frr])).toEqual([["n1", "linux", false], ["n2", "linux", false]]);
  expect(p.nodes[0].exec).toEqual([["ip", "address", "add", "10.10.0.1/24", "dev", "eth1"]]);
  expect(p.links).toEqual([{ ends: [{ node: "n1", interface: "eth1" }, { node: "n2", interface: "eth1" }] }]);
  expect(p.warnings).toEqual(["image alpine:3.18 (n1, n2): its own filesystem is not used: the node runs this machine's programs (ip, ping …)"]);
});

test("bridge: a bridge node, a group, env merged from the defaults, the extended link form with mtu and mac", () => {
  const p = plan("bridge.clab.yml");
  const byName = Object.fromEntries(p.nodes.map((n) => [n.name, n]));
  expect(byName.sw.kind).toBe("bridge");
  expect(byName.h1.image).toBe("alpine:3.18"); // from its group
  expect(byName.h1.env).toEqual({ LAN: "10.20.0" }); // from the defaults
  expect(byName.h3.env).toEqual({ LAN: "10.20.0", ROLE: "last" }); // merged key by key
  expect(byName.h3.exec[1]).toEqual(["sh", "-c", 'test "$ROLE" = last && test "$LAN" = 10.20.0']);
  expect(p.links[2]).toEqual({ ends: [{ node: "h3", interface: "eth1", mac: "02:00:00:00:00:03" }, { node: "sw", interface: "p3" }], mtu: 1400 });
});

test("frr-ospf: FRR images are FRR nodes with their bound files (relative to the topology file), PCs plain", () => {
  const p = plan("frr-ospf/frr-ospf.clab.yml");
  const r1 = p.nodes.find((n) => n.name === "r1")!;
  expect(r1.frr).toBe(true);
  expect(r1.image).toBe("quay.io/frrouting/frr:8.4.1"); // from topology.kinds.linux
  expect(r1.binds).toEqual([
    { host: path.join(EX, "frr-ospf", "r1", "daemons"), path: "/etc/frr/daemons", readOnly: false },
    { host: path.join(EX, "frr-ospf", "r1", "frr.conf"), path: "/etc/frr/frr.conf", readOnly: false },
  ]);
  expect(p.nodes.filter((n) => n.frr).map((n) => n.name)).toEqual(["r1", "r2", "r3"]);
  expect(p.warnings).toEqual(["image alpine:3.18 (pc1, pc2): its own filesystem is not used: the node runs this machine's programs (ip, ping …)"]);
  expect(frrDaemons(fs.readFileSync(path.join(EX, "frr-ospf", "r1", "daemons"), "utf8"))).toEqual(["zebra", "ospfd", "staticd"]);
  expect(frrAddresses(fs.readFileSync(path.join(EX, "frr-ospf", "r1", "frr.conf"), "utf8"))).toEqual([["eth1", "10.0.12.1/24"], ["eth2", "10.0.13.1/24"], ["eth3", "192.168.11.1/24"]]);
});

test.each([
  ["frrouting/frr:v8.4.0", true],
  ["quay.io/frrouting/frr:9.1.0", true],
  ["docker.io/frrouting/frr", true],
  ["frrouting/frr@sha256:abc", true],
  ["alpine:3", false],
  ["ghcr.io/hellt/network-multitool", false],
  ["quay.io/frrouting/frr-debug:1", false],
])("image %s runs FRR: %p", (image, frr) => {
  const p = inline(`name: t\ntopology:\n  nodes:\n    r:\n      kind: linux\n      image: ${image}\n`);
  expect(p.nodes[0].frr).toBe(frr);
});

// #31 item 2: a plain node's binds are honoured (a filesystem of its own holds them): no warning.
test("a plain node's binds: kept, resolved against the file, :ro read-only; no warning", () => {
  const p = inline("name: t\ntopology:\n  nodes:\n    r:\n      kind: linux\n      binds: [\"data:/data\", \"/srv/x.conf:/etc/x.conf:ro\"]\n");
  expect(p.warnings).toEqual([]);
  expect(p.nodes[0].binds).toEqual([
    { host: "/labs/data", path: "/data", readOnly: false },
    { host: "/srv/x.conf", path: "/etc/x.conf", readOnly: true },
  ]);
});

// Each field or form netns-lab cannot honour: its own warning, naming it.
test.each([
  ["cpu", "    r:\n      kind: linux\n      cpu: 2\n", "node r: cpu: not supported (a namespace, not a container): ignored"],
  ["memory", "    r:\n      kind: linux\n      memory: 1Gb\n", "node r: memory: not supported (a namespace, not a container): ignored"],
  ["publish", "    r:\n      kind: linux\n      publish: [\"tcp/80\"]\n", "node r: publish: not supported (a namespace, not a container): ignored"],
  ["network-mode host", "    r:\n      kind: linux\n      network-mode: host\n", "node r: network-mode host: not supported (the machine's root namespace: netns-lab never touches it): its eth0 is on the management network"],
  ["memory", "    r:\n      kind: linux\n      memory: 1Gb\n", "node r: memory: not supported (a namespace, not a container): ignored"],
  ["a plain node's bind under /run (the node's own, empty)", "    r:\n      kind: linux\n      binds: [\"data:/run/data\"]\n", "node r: binds: bind target /run/data is under /run, which is the node's own and empty: bind it elsewhere: ignored"],
  ["a plain node's bind of its whole /etc", "    r:\n      kind: linux\n      binds: [\"data:/etc\"]\n", "node r: binds: bind target /etc is the node's whole /etc: bind a file or a directory inside it: ignored"],
  ["an FRR node's bind that is not FRR's", "    r:\n      kind: linux\n      image: frrouting/frr:v8.4.0\n      binds: [\"data:/data\"]\n", "node r: binds: /data: an FRR node runs this machine's FRR in a pathspace of its own, without a filesystem of its own (only /etc/frr/frr.conf and /etc/frr/daemons are used): ignored"],
  ["a bridge's bind", "    r:\n      kind: bridge\n      binds: [\"data:/data\"]\n", "node r: binds: /data: a bridge runs nothing to see it: ignored"],
  ["cmd of an FRR node", "    r:\n      kind: linux\n      image: frrouting/frr:v8.4.0\n      cmd: sleep 1\n", "node r: cmd: an FRR node runs FRR's daemons (from its bound daemons file): ignored"],
  ["exec on a bridge", "    r:\n      kind: bridge\n      exec: [\"true\"]\n", "node r: exec: a bridge runs no commands: ignored"],
])("%s: one warning naming it", (_name, nodeYaml, warning) => {
  const p = inline(`name: t\ntopology:\n  nodes:\n${nodeYaml}`);
  expect(p.warnings).toEqual([warning]);
});

test.each([
  ["a management network field of docker's", "mgmt:\n  external-access: false\n", "mgmt.external-access: not supported (the management network is a bridge in a namespace of the lab's): ignored"],
  ["a link of a type containerlab does not have", "", "link 1: type vxlan-stitch is not supported (netns-lab makes veth, host, mgmt-net, macvlan and dummy links): link ignored", "    - type: vxlan-stitch\n      endpoint: {node: r, interface: eth1}\n"],
])("%s: one warning", (_name, top, warning, links = "") => {
  const p = inline(`name: t\n${top}topology:\n  nodes:\n    r:\n      kind: linux\n${links ? `  links:\n${links}` : ""}`);
  expect(p.warnings).toEqual([warning]);
  expect(p.links).toEqual([]);
});

test.each([
  ["the brief form", '    - endpoints: ["r:eth1", "macvlan:eth0"]\n', [{ end: { node: "r", interface: "eth1" }, parent: "eth0", mode: "bridge" }]],
  ["the extended form, a mode and an MTU", "    - type: macvlan\n      endpoint: {node: r, interface: eth1, mac: '02:00:00:00:00:09'}\n      host-interface: enp1s0\n      mode: vepa\n      mtu: 1400\n", [{ end: { node: "r", interface: "eth1", mac: "02:00:00:00:00:09" }, parent: "enp1s0", mode: "vepa", mtu: 1400 }]],
])("a macvlan link, %s: the node's interface on the machine's", (_what, links, want) => {
  const p = inline(`name: t\ntopology:\n  nodes:\n    r: {kind: linux}\n  links:\n${links}`);
  expect(p.macvlanLinks).toEqual(want);
  expect([p.links, p.warnings]).toEqual([[], []]);
});
test.each([
  ["no host-interface", "    - type: macvlan\n      endpoint: {node: r, interface: eth1}\n", /link 1: type macvlan: host-interface \(the machine's interface it sits on\) is missing/],
  ["a mode the kernel has not", "    - type: macvlan\n      endpoint: {node: r, interface: eth1}\n      host-interface: eth0\n      mode: shared\n", /link 1: mode: shared is not one of bridge, vepa, private, passthru, source/],
])("a macvlan link refused: %s", (_what, links, err) => {
  expect(() => inline(`name: t\ntopology:\n  nodes:\n    r: {kind: linux}\n  links:\n${links}`)).toThrow(err);
});

test("a dummy link: a dummy interface of the node (where the kernel has them: probed when the lab is declared)", () => {
  const p = inline("name: t\ntopology:\n  nodes:\n    r: {kind: linux}\n  links:\n    - type: dummy\n      endpoint: {node: r, interface: dummy0}\n");
  expect(p.dummyLinks).toEqual([{ node: "r", interface: "dummy0", where: "link 1" }]);
  expect([p.links, p.warnings]).toEqual([[], []]);
});

test.each([
  ["no name", "topology:\n  nodes:\n    r: {kind: linux}\n", /t\.clab\.yml: name: the lab's name is required/],
  ["no nodes", "name: t\ntopology: {}\n", /topology\.nodes: required: at least one node/],
  ["a vendor kind", "name: t\ntopology:\n  nodes:\n    r: {kind: nokia_srlinux}\n", /node r: kind nokia_srlinux is not supported: netns-lab runs linux nodes/],
  ["no kind", "name: t\ntopology:\n  nodes:\n    r: {image: alpine}\n", /node r: no kind \(give kind: linux or kind: bridge/],
  ["a link to an unknown node", "name: t\ntopology:\n  nodes:\n    r: {kind: linux}\n  links:\n    - endpoints: [\"r:eth1\", \"x:eth1\"]\n", /link 1: node x is not in topology\.nodes/],
  ["an endpoint without an interface", "name: t\ntopology:\n  nodes:\n    r: {kind: linux}\n  links:\n    - endpoints: [\"r\", \"r:eth2\"]\n", /link 1: endpoint "r" is node:interface/],
  ["an unknown group", "name: t\ntopology:\n  nodes:\n    r: {kind: linux, group: g}\n", /node r: group "g" is not in topology\.groups/],
  ["an unterminated quote", "name: t\ntopology:\n  nodes:\n    r:\n      kind: linux\n      exec: [\"echo 'hi\"]\n", /node r: exec: unterminated ' quote/],
  ["not YAML", "name: [t\n", /t\.clab\.yml: not YAML/],
])("%s: refused, naming it", (_name, yaml, error) => {
  expect(() => inline(yaml)).toThrow(error);
});

test.each([
  [undefined, "clab-t-"],
  ["", ""],
  ["lab", "lab-t-"],
  ["__lab-name", "t-"], // containerlab's magic value: <lab>-<node>
])("prefix %p gives namespaces %p<node>", (prefix, want) => {
  const p = inline(`name: t\n${prefix === undefined ? "" : `prefix: "${prefix}"\n`}topology:\n  nodes:\n    r: {kind: linux}\n`);
  expect(p.prefix).toBe(want);
});

test.each([
  ["ip addr add 10.0.0.1/24 dev eth1", ["ip", "addr", "add", "10.0.0.1/24", "dev", "eth1"]],
  [`sh -c "echo 'a b' > /x"`, ["sh", "-c", "echo 'a b' > /x"]],
  [`echo a\\ b 'c d' "e \\"f\\""`, ["echo", "a b", "c d", 'e "f"']],
  [`  spaced   out  `, ["spaced", "out"]],
  [`empty "" arg`, ["empty", "", "arg"]],
])("splitWords(%p)", (line, words) => {
  expect(splitWords(line)).toEqual(words);
});

test.each([
  [[["ip", "address", "add", "10.0.0.1/24", "dev", "eth1"]], [["eth1", "10.0.0.1/24"]]],
  [[["ip", "-4", "a", "add", "10.0.0.1/24", "dev", "eth2"]], [["eth2", "10.0.0.1/24"]]],
  [[["ip", "route", "add", "10.0.0.0/24", "dev", "eth1"]], []],
  [[["ip", "addr", "add", "10.0.0.1", "dev", "eth1"]], []],
])("execAddresses(%p)", (lines, want) => {
  expect(execAddresses(lines)).toEqual(want);
});

test("frrDaemons: zebra and staticd always, the file's yes lines, in FRR's order", () => {
  expect(frrDaemons(undefined)).toEqual(["zebra", "staticd"]);
  expect(frrDaemons("bgpd=yes\nospfd=no\nbfdd=\"yes\"\nzebra=no\nvtysh_enable=yes\n")).toEqual(["zebra", "bgpd", "staticd", "bfdd"]);
});

test.each([
  ["the last assignment of a name wins", "ospfd=yes\nospfd=no\nisisd=no\nisisd=yes\n", ["zebra", "isisd", "staticd"]],
  ["a comment after the value, single quotes", "bgpd=yes # on\nripd='yes'\n", ["zebra", "bgpd", "ripd", "staticd"]],
  ["blanks around = make no assignment (the shell runs a command)", "bgpd = yes\nospfd =yes\n", ["zebra", "staticd"]],
  ["only exactly yes enables", "bgpd=Yes\nospfd=yes2\nripd=\"yes \"\n", ["zebra", "staticd"]],
  ["a commented-out line", "#bgpd=yes\n  # ospfd=yes\n", ["zebra", "staticd"]],
])("frrDaemons, as FRR's start script reads the file: %s", (_, file, want) => {
  expect(frrDaemons(file)).toEqual(want);
});

test("frrDaemons refuses what only a shell computes, naming the file and line", () => {
  expect(() => frrDaemons("# x\nbgpd=$ON\n", "r1/daemons")).toThrow(/^r1\/daemons:2: bgpd: \$ \(an expansion\)/);
});

test("strict: the warnings are one error, before anything is declared", () => {
  expect(() => containerlab(path.join(EX, "two-nodes.clab.yml"), { strict: true })).toThrow(
    /two-nodes\.clab\.yml: netns-lab cannot honour this \(strict\):\n- image alpine:3\.18 \(n1, n2\): its own filesystem is not used/,
  );
});

test("an FRR node's bound file that is missing: one error naming it, before anything is declared", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const declared = jest.spyOn(require("../../provider/components/lab"), "Lab");
  const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "nlt-clab-"));
  try {
    const file = path.join(dir, "t.clab.yml");
    fs.writeFileSync(file, "name: t\ntopology:\n  nodes:\n    r1:\n      kind: linux\n      image: quay.io/frrouting/frr:8.4.1\n      binds:\n        - r1/frr.conf:/etc/frr/frr.conf\n");
    expect(() => containerlab(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: node r1: bound file ${path.join(dir, "r1", "frr.conf").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} does not exist$`));
    expect(declared).not.toHaveBeenCalled();
    // The user's own mistake: a RunError, which Pulumi prints as the message alone (#35 item 4).
    let thrown: unknown;
    try {
      containerlab(file);
    } catch (e) {
      thrown = e;
    }
    expect(require("@pulumi/pulumi").RunError.isInstance(thrown)).toBe(true);
  } finally {
    declared.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// containerlab's merge, field by field (provider/components/containerlab-merge.ts, its types/topology.go).
describe("a node merged as containerlab merges it", () => {
  const { mergeNode } = require("../../provider/components/containerlab-merge") as typeof import("../../provider/components/containerlab-merge");
  test.each([
    ["scalars: the node's over its group's over its kind's over the defaults'",
      { image: "d" }, { linux: { image: "k" } }, { g: { image: "g" } }, { kind: "linux", group: "g", image: "n" }, { image: "n" }],
    ["scalars: an empty string is not given (the group's shows)",
      { image: "d" }, {}, { g: { image: "g" } }, { kind: "linux", group: "g", image: "" }, { image: "g" }],
    ["exec: concatenated, defaults, kind, group, node",
      { exec: ["d"] }, { linux: { exec: ["k"] } }, { g: { exec: ["g"] } }, { kind: "linux", group: "g", exec: ["n1", "n2"] }, { exec: ["d", "k", "g", "n1", "n2"] }],
    ["exec: a line given twice kept once",
      { exec: ["ip link set lo up"] }, {}, {}, { kind: "linux", exec: ["ip link set lo up", "x"] }, { exec: ["ip link set lo up", "x"] }],
    ["binds: by destination, the most specific winning, the kind's daemons file kept beside the node's frr.conf",
      {}, { linux: { binds: ["daemons:/etc/frr/daemons", "k.conf:/etc/frr/frr.conf"] } }, {}, { kind: "linux", binds: ["r1.conf:/etc/frr/frr.conf:ro"] },
      { binds: ["daemons:/etc/frr/daemons", "r1.conf:/etc/frr/frr.conf:ro"] }],
    ["env: key by key, the node's winning",
      { env: { A: "d", B: "d" } }, { linux: { env: { B: "k", C: "k" } } }, {}, { kind: "linux", env: { C: "n" } }, { env: { A: "d", B: "k", C: "n" } }],
    ["labels: key by key",
      { labels: { a: "1" } }, {}, { g: { labels: { b: "2" } } }, { kind: "linux", group: "g" }, { labels: { a: "1", b: "2" } }],
    ["the kind from the node's group",
      {}, { linux: { image: "k" } }, { g: { kind: "linux" } }, { group: "g" }, { kind: "linux", image: "k" }],
    ["defaults.group: the group of a node that names none, and the kind from it",
      { group: "g" }, { linux: { image: "k" } }, { g: { kind: "linux", exec: ["g"] } }, {}, { kind: "linux", group: "g", image: "k", exec: ["g"] }],
    ["the group from the node's kind",
      {}, { linux: { group: "g" } }, { g: { cmd: "sleep infinity" } }, { kind: "linux" }, { kind: "linux", group: "g", cmd: "sleep infinity" }],
  ] as const)("%s", (_, defaults, kinds, groups, own, want) => {
    const got = mergeNode(defaults as never, kinds as never, groups as never, own as never);
    expect(Object.fromEntries(Object.keys(want).map((k) => [k, got[k]]))).toEqual(want);
  });
});

describe("an FRR node's binds", () => {
  const frrNode = (binds: string[]) => inline(`name: t\ntopology:\n  nodes:\n    r:\n      kind: linux\n      image: quay.io/frrouting/frr:9.1.0\n      binds: ${JSON.stringify(binds)}\n`);
  test("a bound /etc/frr directory: its frr.conf, daemons and vtysh.conf (each may be missing)", () => {
    const p = frrNode(["r1:/etc/frr"]);
    expect(p.nodes[0].binds).toEqual([
      { host: "/labs/r1/frr.conf", path: "/etc/frr/frr.conf", readOnly: false, inDirectory: true },
      { host: "/labs/r1/daemons", path: "/etc/frr/daemons", readOnly: false, inDirectory: true },
      { host: "/labs/r1/vtysh.conf", path: "/etc/frr/vtysh.conf", readOnly: false, inDirectory: true },
    ]);
    expect(p.warnings).toEqual([]);
  });
  test("a file bound beside the directory is the file's", () => {
    const p = frrNode(["r1/:/etc/frr/:ro", "own.conf:/etc/frr/frr.conf"]);
    expect(p.nodes[0].binds).toEqual([
      { host: "/labs/r1/daemons", path: "/etc/frr/daemons", readOnly: true, inDirectory: true },
      { host: "/labs/r1/vtysh.conf", path: "/etc/frr/vtysh.conf", readOnly: true, inDirectory: true },
      { host: "/labs/own.conf", path: "/etc/frr/frr.conf", readOnly: false },
    ]);
  });
  test("a bound vtysh.conf: honoured (written where vtysh -N reads it), not silence", () => {
    const p = frrNode(["r1/frr.conf:/etc/frr/frr.conf", "r1/vtysh.conf:/etc/frr/vtysh.conf"]);
    expect(p.nodes[0].binds.map((b) => b.path)).toEqual(["/etc/frr/frr.conf", "/etc/frr/vtysh.conf"]);
    expect(p.warnings).toEqual([]);
  });
});

describe("linesCables: the cables an exec line's effect lives on", () => {
  const eth1 = { name: "eth1" } as unknown as import("@pulumi/pulumi").Resource;
  const eth2 = { name: "eth2" } as unknown as import("@pulumi/pulumi").Resource;
  const cables: Array<[string, import("@pulumi/pulumi").Resource]> = [["eth1", eth1], ["eth2", eth2]];
  test.each([
    ["names its interface", ["ip", "address", "add", "10.0.0.1/24", "dev", "eth2"], [eth2]],
    ["names one inside a shell line", ["sh", "-c", "ip link set eth1 up && ip addr add 10.1.0.1/24 dev eth1"], [eth1]],
    ["a VLAN-like name is not its parent", ["ip", "link", "set", "eth10", "up"], [eth1, eth2]],
    ["names none: all of them", ["ip", "route", "add", "10.9.0.0/16", "via", "10.0.0.2"], [eth1, eth2]],
  ])("a line that %s", (_what, argv, want) => {
    expect(linesCables(argv as string[], cables)).toEqual(want);
  });
});

describe("the management network (containerlab's eth0 on docker's bridge)", () => {
  const plan = (extra: string, nodes: string) => planContainerlab(`name: m\n${extra}topology:\n  nodes:\n${nodes}`, "/tmp", "m.clab.yml");
  test("docker's defaults: the gateway first, nodes in the file's order after it; a bridge and network-mode none have no eth0", () => {
    const p = plan("", "    a: {kind: linux}\n    sw: {kind: bridge}\n    b: {kind: linux}\n    c: {kind: linux, network-mode: none}\n");
    expect(p.mgmt).toEqual({ ipv4Subnet: "172.20.20.0/24", ipv4Gw: "172.20.20.1", ipv6Subnet: "3fff:172:20:20::/64", ipv6Gw: "3fff:172:20:20::1" });
    expect(p.nodes.map((n) => [n.name, n.mgmt])).toEqual([
      ["a", { ipv4: "172.20.20.2/24", ipv6: "3fff:172:20:20::2/64" }],
      ["sw", undefined],
      ["b", { ipv4: "172.20.20.3/24", ipv6: "3fff:172:20:20::3/64" }],
      ["c", undefined],
    ]);
    expect(p.warnings).toEqual([]);
  });
  test("ipv4-subnet/ipv6-subnet auto (containerlab lets the runtime pick): a /24 and a /64 of the lab's own, from its prefix — the same each time, another for another prefix, never docker's or containerlab's default", () => {
    const auto = (seed?: string) => planContainerlab("name: au\nmgmt:\n  ipv4-subnet: auto\n  ipv6-subnet: auto\ntopology:\n  nodes:\n    a: {kind: linux}\n", "/tmp", "au.clab.yml", seed);
    const one = auto();
    expect(one.mgmt!.ipv4Subnet).toMatch(/^172\.(1[6-9]|2\d|3[01])\.\d+\.0\/24$/);
    expect(one.mgmt!.ipv6Subnet).toMatch(/^3fff:172:\d+:\d+::\/64$/);
    expect(one.mgmt!.ipv4Gw).toBe(one.mgmt!.ipv4Subnet.replace(/0\/24$/, "1"));
    expect(one.nodes[0].mgmt!.ipv4).toBe(one.mgmt!.ipv4Subnet.replace(/0\/24$/, "2/24"));
    expect(auto().mgmt).toEqual(one.mgmt);
    const seeds = ["t1-", "t2-", "t3-", "t4-", "t5-", "t6-"].map((s) => auto(s).mgmt!.ipv4Subnet);
    expect(new Set(seeds).size).toBeGreaterThan(4);
    for (const s of seeds) expect(s).not.toMatch(/^172\.17\.|^172\.20\.20\./);
    expect(one.warnings).toEqual([]);
  });
  test("containerlab's older spelling mgmt_ipv4/mgmt_ipv6 read as mgmt-ipv4/mgmt-ipv6 (its smoke test still uses it); the newer wins where both are given", () => {
    const p = plan("", "    a: {kind: linux, mgmt_ipv4: 172.20.20.99, mgmt_ipv6: '3fff:172:20:20::99'}\n    b: {kind: linux, mgmt_ipv4: 172.20.20.98, mgmt-ipv4: 172.20.20.97}\n");
    expect(p.nodes.map((n) => n.mgmt)).toEqual([
      { ipv4: "172.20.20.99/24", ipv6: "3fff:172:20:20::99/64" },
      { ipv4: "172.20.20.97/24", ipv6: "3fff:172:20:20::2/64" },
    ]);
    expect(p.warnings).toEqual([]);
  });
  test("the older spelling is read in each definition before they merge: a node's own mgmt_ipv4 wins over its group's mgmt-ipv4; a group's mgmt_ipv6 reaches its node", () => {
    const p = inline(
      "name: m\ntopology:\n  groups:\n    g: {mgmt-ipv4: 172.20.20.50}\n    h: {mgmt_ipv6: '3fff:172:20:20::70'}\n  nodes:\n    a: {kind: linux, group: g, mgmt_ipv4: 172.20.20.60}\n    b: {kind: linux, group: h}\n",
    );
    expect(p.nodes.map((n) => [n.name, n.mgmt])).toEqual([
      ["a", { ipv4: "172.20.20.60/24", ipv6: "3fff:172:20:20::2/64" }],
      ["b", { ipv4: "172.20.20.2/24", ipv6: "3fff:172:20:20::70/64" }],
    ]);
    expect(p.warnings).toEqual([]);
  });
  test("the file's subnets, gateway and MTU; a node's own mgmt-ipv4/ipv6 kept, the others given around them", () => {
    const p = plan("mgmt:\n  network: custom\n  ipv4-subnet: 10.99.0.0/29\n  ipv6-subnet: fd00:99::/120\n  ipv4-gw: 10.99.0.6\n  mtu: 1400\n", "    a: {kind: linux}\n    b: {kind: linux, mgmt-ipv4: 10.99.0.1, mgmt-ipv6: 'fd00:99::2'}\n    c: {kind: linux}\n");
    expect(p.mgmt).toEqual({ ipv4Subnet: "10.99.0.0/29", ipv4Gw: "10.99.0.6", ipv6Subnet: "fd00:99::/120", ipv6Gw: "fd00:99::1", mtu: 1400 });
    expect(p.nodes.map((n) => n.mgmt)).toEqual([
      { ipv4: "10.99.0.2/29", ipv6: "fd00:99::3/120" },
      { ipv4: "10.99.0.1/29", ipv6: "fd00:99::2/120" },
      { ipv4: "10.99.0.3/29", ipv6: "fd00:99::4/120" },
    ]);
  });
  test.each([
    ["an address outside the subnet", "", "    a: {kind: linux, mgmt-ipv4: 10.0.0.5}\n", /node a: mgmt-ipv4: 10\.0\.0\.5 is not an address in the management network 172\.20\.20\.0\/24/],
    ["the gateway's address", "", "    a: {kind: linux, mgmt-ipv4: 172.20.20.1}\n", /node a: mgmt-ipv4: 172\.20\.20\.1 is already the gateway's/],
    ["two nodes on one address", "", "    a: {kind: linux, mgmt-ipv4: 172.20.20.9}\n    b: {kind: linux, mgmt-ipv4: 172.20.20.9}\n", /node b: mgmt-ipv4: 172\.20\.20\.9 is already node a's/],
    ["a subnet too small", "mgmt: {ipv4-subnet: 10.1.1.0/30}\n", "    a: {kind: linux}\n    b: {kind: linux}\n", /mgmt\.ipv4-subnet: 10\.1\.1\.0\/30 has no address left for node b/],
    ["a subnet that is not one", "mgmt: {ipv4-subnet: 'fd00::/64'}\n", "    a: {kind: linux}\n", /mgmt\.ipv4-subnet: fd00::\/64 is not an IPv4 subnet/],
    ["a bridge name too long for an interface", "mgmt: {bridge: a-name-of-16-chr}\n", "    a: {kind: linux}\n", /mgmt\.bridge: "a-name-of-16-chr" is not an interface name/],
  ])("refuses %s, naming it", (_what, extra, nodes, err) => {
    expect(() => plan(extra, nodes)).toThrow(err);
  });
  const withLinks = (links: string, nodes = "    a: {kind: linux}\n    sw: {kind: bridge}\n") => plan("", `${nodes}  links:\n${links}`);
  test.each([
    ["the brief form", '    - endpoints: ["a:eth1", "mgmt-net:a-eth1"]\n', [{ end: { node: "a", interface: "eth1" }, hostInterface: "a-eth1" }]],
    ["the brief form, mgmt-net first, an MTU", '    - endpoints: ["mgmt-net:a-eth1", "a:eth1"]\n      mtu: 1400\n', [{ end: { node: "a", interface: "eth1" }, hostInterface: "a-eth1", mtu: 1400 }]],
    ["the extended form", "    - type: mgmt-net\n      endpoint: {node: a, interface: eth2, mac: '02:00:00:00:00:01'}\n      host-interface: a-eth2\n", [{ end: { node: "a", interface: "eth2", mac: "02:00:00:00:00:01" }, hostInterface: "a-eth2" }]],
    ["a bridge's port", '    - endpoints: ["sw:p1", "mgmt-net:sw-p1"]\n', [{ end: { node: "sw", interface: "p1" }, hostInterface: "sw-p1" }]],
  ])("a link to mgmt-net, %s: the management bridge's port named host-interface, not a cable between nodes", (_what, links, want) => {
    const p = withLinks(links);
    expect(p.mgmtLinks).toEqual(want);
    expect(p.links).toEqual([]);
    expect(p.warnings).toEqual([]);
  });
  test.each([
    ["no node on the management network", '    - endpoints: ["a:eth1", "mgmt-net:x"]\n', "    a: {kind: linux, network-mode: none}\n", /link 1: a link to mgmt-net, but no node is on the management network/],
    ["a host-interface too long", '    - endpoints: ["a:eth1", "mgmt-net:a-name-of-16-chr"]\n', undefined, /link 1: host-interface "a-name-of-16-chr" is not an interface name/],
    ["one host-interface twice", '    - endpoints: ["a:eth1", "mgmt-net:x"]\n    - endpoints: ["a:eth2", "mgmt-net:x"]\n', undefined, /link 2: host-interface x is already another link's/],
    ["the extended form without host-interface", "    - type: mgmt-net\n      endpoint: {node: a, interface: eth1}\n", undefined, /link 1: type mgmt-net: host-interface \(the bridge's end\) is missing/],
    ["both ends mgmt-net", '    - endpoints: ["mgmt-net:x", "mgmt-net:y"]\n', undefined, /link 1: both ends on the host's side \(mgmt-net, mgmt-net\)/],
    ["an unknown node", '    - endpoints: ["z:eth1", "mgmt-net:x"]\n', undefined, /link 1: node z is not in topology\.nodes/],
    ["the node's eth0", '    - endpoints: ["a:eth0", "mgmt-net:x"]\n', undefined, /link 1: a:eth0 is the node's management interface/],
  ])("a link to mgmt-net refused: %s", (_what, links, nodes, err) => {
    expect(() => withLinks(links, nodes)).toThrow(err);
  });
  test.each([
    ["the brief form", '    - endpoints: ["a:eth1", "host:a-eth1"]\n', [{ end: { node: "a", interface: "eth1" }, hostInterface: "a-eth1" }], undefined],
    ["the extended form, an MTU", "    - type: host\n      endpoint: {node: a, interface: eth2}\n      host-interface: a-eth2\n      mtu: 9000\n", [{ end: { node: "a", interface: "eth2" }, hostInterface: "a-eth2", mtu: 9000 }], undefined],
    ["a node without eth0 (network-mode none)", '    - endpoints: ["host:n-eth1", "n:eth1"]\n', [{ end: { node: "n", interface: "eth1" }, hostInterface: "n-eth1" }], "    n: {kind: linux, network-mode: none}\n"],
  ])("a link to the host, %s: an end in the machine's root namespace named host-interface", (_what, links, want, nodes) => {
    const p = withLinks(links, nodes);
    expect(p.hostLinks).toEqual(want);
    expect(p.links).toEqual([]);
    expect(p.mgmtLinks).toBeUndefined();
    expect(p.warnings).toEqual([]);
  });
  test("the same host-interface on the host and on mgmt-net: two namespaces, both kept; twice on the host: refused", () => {
    expect(withLinks('    - endpoints: ["a:eth1", "host:x"]\n    - endpoints: ["a:eth2", "mgmt-net:x"]\n').hostLinks).toHaveLength(1);
    expect(() => withLinks('    - endpoints: ["a:eth1", "host:x"]\n    - endpoints: ["a:eth2", "host:x"]\n')).toThrow(/link 2: host-interface x is already another link's/);
    expect(() => withLinks('    - endpoints: ["host:x", "mgmt-net:y"]\n')).toThrow(/link 1: both ends on the host's side \(host, mgmt-net\)/);
    expect(() => withLinks("    - type: host\n      endpoint: {node: a, interface: eth1}\n")).toThrow(/type host: host-interface \(the root namespace's end\) is missing/);
  });
  test("mgmt.bridge: the name of this machine's end (with mgmtHost), no warning", () => {
    const p = plan("mgmt: {bridge: br-lab}\n", "    a: {kind: linux}\n");
    expect(p.mgmt!.bridge).toBe("br-lab");
    expect(p.warnings).toEqual([]);
  });
  test("nthAddress counts from the network address and stops at the subnet's end", () => {
    expect(nthAddress("10.0.0.0/30", 3n)).toBe("10.0.0.3");
    expect(nthAddress("10.0.0.0/30", 4n)).toBeUndefined();
    expect(nthAddress("fd00::/126", 2n)).toBe("fd00::2");
    expect(nthAddress("10.0.0.255/23".replace("255", "0"), 256n)).toBe("10.0.1.0");
  });
});

describe("stages and healthcheck (containerlab's wait-for)", () => {
  const plan = (nodes: string, extra = "") => planContainerlab(`name: s\ntopology:\n${extra}  nodes:\n${nodes}`, "/tmp", "s.clab.yml");
  test("stage waits (the stage waited for: create unless named), the older node-level wait-for, and a healthcheck's docker defaults", () => {
    const p = plan(
      "    a: {kind: linux, healthcheck: {test: [CMD-SHELL, 'ip link show eth1'], interval: 2}}\n" +
        "    b: {kind: linux, stages: {configure: {wait-for: [{node: a, stage: healthy}]}, create: {wait-for: [{node: c}]}}}\n" +
        "    c: {kind: linux, wait-for: [a], healthcheck: {test: [CMD, ping, -c1, 10.0.0.1], retries: 5, start-period: 3, timeout: 1}}\n",
    );
    expect(p.nodes.map((n) => [n.name, n.waitFor])).toEqual([
      ["a", undefined],
      ["b", [{ stage: "configure", node: "a", until: "healthy" }, { stage: "create", node: "c", until: "create" }]],
      ["c", [{ stage: "create", node: "a", until: "create" }]],
    ]);
    expect(p.nodes[0].healthcheck).toEqual({ test: ["sh", "-c", "ip link show eth1"], interval: 2, timeout: 30, retries: 3, startPeriod: 0 });
    expect(p.nodes[2].healthcheck).toEqual({ test: ["ping", "-c1", "10.0.0.1"], interval: 30, timeout: 1, retries: 5, startPeriod: 3 });
    expect(p.warnings).toEqual([]);
  });
  test("a bridge's stages and healthcheck: one warning, none kept (it runs nothing and is made at once); a node waiting for the bridge keeps its wait", () => {
    const p = plan(
      "    a: {kind: linux}\n    br: {kind: bridge, wait-for: [a], healthcheck: {test: [CMD, 'true']}, stages: {configure: {exec: [{command: 'true'}]}}}\n" +
        "    b: {kind: linux, stages: {configure: {wait-for: [{node: br, stage: healthy}]}}}\n",
    );
    const br = p.nodes.find((n) => n.name === "br")!;
    expect([br.waitFor, br.stageExec, br.healthcheck]).toEqual([undefined, undefined, undefined]);
    expect(p.nodes.find((n) => n.name === "b")!.waitFor).toEqual([{ stage: "configure", node: "br", until: "healthy" }]);
    expect(p.warnings).toEqual(["node br: stages, healthcheck: a bridge runs nothing, and is made at once: ignored (nodes waiting for its stages find them done once it is made)"]);
  });
  test("defaults' and groups' waits appended to the node's, once each (containerlab's Stages.Merge)", () => {
    const p = plan("    a: {kind: linux}\n    z: {kind: linux}\n    b: {kind: linux, group: g, stages: {create: {wait-for: [{node: a}, {node: z}]}}}\n", "  groups:\n    g: {stages: {create: {wait-for: [{node: a}]}}}\n");
    expect(p.nodes.find((n) => n.name === "b")!.waitFor).toEqual([{ stage: "create", node: "a", until: "create" }, { stage: "create", node: "z", until: "create" }]);
  });
  test.each([
    ["a circle of waits", "    a: {kind: linux, stages: {create: {wait-for: [{node: b, stage: configure}]}}}\n    b: {kind: linux, stages: {configure: {wait-for: [{node: a, stage: create-links}]}}}\n", /stages: the nodes wait for each other in a circle: a\/create waits for b\/configure waits for .*a\/create/],
    ["a node waiting for itself", "    a: {kind: linux, stages: {configure: {wait-for: [{node: a, stage: healthy}]}}}\n", /circle: a\/configure waits for a\/healthy waits for a\/configure/],
    ["an unknown node", "    a: {kind: linux, stages: {configure: {wait-for: [{node: q}]}}}\n", /node a: stages: configure: wait-for: node q is not in topology\.nodes/],
    ["an unknown stage", "    a: {kind: linux, stages: {boot: {wait-for: [{node: a}]}}}\n", /node a: stages: boot: stage boot is not one of create, create-links, configure, healthy, exit/],
    ["a healthcheck without a test", "    a: {kind: linux, healthcheck: {interval: 1}}\n", /node a: healthcheck: test: give \["CMD-SHELL"/],
    ["a healthcheck interval of no seconds", "    a: {kind: linux, healthcheck: {test: [CMD, 'true'], interval: 0}}\n", /node a: healthcheck: interval: 0 is not a whole number of seconds \(at least 1\)/],
  ])("refuses %s, naming it", (_what, nodes, err) => {
    expect(() => plan(nodes)).toThrow(err);
  });
  test("the exit stage: one warning", () => {
    const p = plan("    a: {kind: linux, stages: {exit: {wait-for: [{node: b}]}}}\n    b: {kind: linux}\n");
    expect(p.warnings).toEqual(["node a: stages: exit: stage exit (a container that has ended) has no counterpart: a node is a namespace, which does not end: ignored"]);
    expect(p.nodes[0].waitFor).toBeUndefined();
  });
  test("a stage's exec commands: on-enter unless said, in the file's order, words as containerlab splits them; merged from a group after the node's defaults", () => {
    const p = plan(
      "    a:\n      kind: linux\n      group: g\n      stages:\n        configure:\n          exec:\n            - command: ip link set eth1 up\n            - {command: \"sh -c 'echo done'\", phase: on-exit}\n        healthy:\n          exec: [{command: 'true', phase: on-exit, target: container}]\n        create-links:\n          exec: [{command: ip link set eth2 up, phase: on-exit}]\n",
      "  groups:\n    g: {stages: {configure: {exec: [{command: echo group}]}}}\n",
    );
    expect(p.nodes[0].stageExec).toEqual([
      { stage: "configure", phase: "on-enter", command: ["echo", "group"] },
      { stage: "configure", phase: "on-enter", command: ["ip", "link", "set", "eth1", "up"] },
      { stage: "configure", phase: "on-exit", command: ["sh", "-c", "echo done"] },
      { stage: "healthy", phase: "on-exit", command: ["true"] },
      { stage: "create-links", phase: "on-exit", command: ["ip", "link", "set", "eth2", "up"] },
    ]);
    expect(p.warnings).toEqual([]);
  });
  test.each([
    ["create's on-enter (no node yet)", "{command: 'true'}", "create", "node a: stages: create: exec 1: on-enter of stage create runs before the node exists: there is nothing to run it in: ignored (on-exit of create runs once its namespace is there)"],
  ])("a stage command not run, one warning: %s", (_what, e, stage, warning) => {
    const p = plan(`    a: {kind: linux, stages: {${stage}: {exec: [${e}]}}}\n`);
    expect(p.warnings).toEqual([warning]);
    expect(p.nodes[0].stageExec).toBeUndefined();
  });
  test.each([
    ["create's on-exit", "{command: 'true', phase: on-exit}", "create", "on-exit"],
    ["create-links' on-enter", "{command: 'true'}", "create-links", "on-enter"],
  ])("a stage command before the node's cables, kept (run between its namespace and its cables): %s", (_what, e, stage, phase) => {
    const p = plan(`    a: {kind: linux, stages: {${stage}: {exec: [${e}]}}}\n`);
    expect(p.warnings).toEqual([]);
    expect(p.nodes[0].stageExec).toEqual([{ stage, phase, command: ["true"] }]);
  });
  test.each([
    ["configure", "on-exit"],
    ["create", "on-enter"],
  ])("target host kept, marked to run on this machine: %s %s", (stage, phase) => {
    const p = plan(`    a: {kind: linux, stages: {${stage}: {exec: [{command: 'touch /x', target: host, phase: ${phase}}]}}}\n`);
    expect(p.warnings).toEqual([]);
    expect(p.nodes[0].stageExec).toEqual([{ stage, phase, command: ["touch", "/x"], host: true }]);
  });
  test.each([
    ["a phase of another name", "{command: 'true', phase: during}", /node a: stages: configure: exec 1: phase: during is not on-enter or on-exit/],
    ["a target of another name", "{command: 'true', target: vm}", /node a: stages: configure: exec 1: target: vm is not container or host/],
    ["no command", "{phase: on-exit}", /node a: stages: configure: exec 1: each is \{ command, phase, target \}/],
    ["an unterminated quote", "{command: \"echo 'hi\"}", /node a: stages: configure: exec 1: unterminated ' quote/],
  ])("a stage command refused: %s", (_what, e, err) => {
    expect(() => plan(`    a: {kind: linux, stages: {configure: {exec: [${e}]}}}\n`)).toThrow(err);
  });
});

describe("a node field containerlab does not know (its file is read strictly)", () => {
  const plan = (node: string) => planContainerlab(`name: f\ntopology:\n  nodes:\n    r:\n      kind: linux\n${node}`, "/tmp", "f.clab.yml");
  test.each([
    ["bind", "      bind: [a:/b]\n", 'f.clab.yml: node r: bind: not a field of containerlab\'s nodes (did you mean "binds"?)'],
    ["exce", "      exce: [true]\n", 'node r: exce: not a field of containerlab\'s nodes (did you mean "exec"?)'],
    ["enviroment", "      enviroment: {A: b}\n", undefined],
  ])("%s", (_k, node, err) => {
    if (err) expect(() => plan(node)).toThrow(err);
    else expect(plan(node).warnings).toEqual(["node r: enviroment: not supported (a namespace, not a container): ignored"]);
  });
  test("a field containerlab knows but netns-lab does not honour: a warning, even near a name it does (user / cmd)", () => {
    expect(plan("      user: root\n").warnings).toEqual(["node r: user: not supported (a namespace, not a container): ignored"]);
  });
});

describe("a node's name: what docker's container names allow (containerlab's deploy fails at docker on others)", () => {
  const plan = (name: string) => planContainerlab(`name: n\ntopology:\n  nodes:\n    "${name}": {kind: linux}\n`, "/tmp", "n.clab.yml");
  test.each([
    ["r1|edge", '"|" cannot be in a node\'s name'],
    ["sw~2", '"~" cannot be in a node\'s name'],
    ["a b", '" " cannot be in a node\'s name'],
    ["_x", '"_" cannot be in a node\'s name'],
    ["-x", '"-" cannot be in a node\'s name'],
  ])("%s refused, naming the character", (name, err) => expect(() => plan(name)).toThrow(`n.clab.yml: node ${name}: ${err}`));
  test.each(["r1", "R1.core_a-2", "9x"])("%s accepted", (name) => expect(plan(name).nodes.map((n) => n.name)).toEqual([name]));
});

describe("network-mode container:<node> (a node in another's network namespace)", () => {
  const plan = (nodes: string, links = "") => planContainerlab(`name: c\ntopology:\n  nodes:\n${nodes}${links ? `  links:\n${links}` : ""}`, "/tmp", "c.clab.yml");
  test("no namespace, no eth0 of its own; its binds warned", () => {
    const p = plan("    a: {kind: linux}\n    s: {kind: linux, network-mode: 'container:a', binds: ['x:/y'], exec: ['ip link']}\n");
    expect(p.nodes.map((n) => [n.name, n.sharesNamespaceOf, n.mgmt?.ipv4])).toEqual([["a", undefined, "172.20.20.2/24"], ["s", "a", undefined]]);
    expect(p.warnings).toEqual(["node s: binds: a node sharing a's network namespace has no filesystem of its own here: ignored"]);
  });
  test.each([
    ["a node not in the file", "    s: {kind: linux, network-mode: 'container:zz'}\n", "", /node s: network-mode: container:zz: no node zz in topology\.nodes/],
    ["a bridge", "    b: {kind: bridge}\n    s: {kind: linux, network-mode: 'container:b'}\n", "", /container:b: b is a bridge/],
    ["a chain of sharing", "    a: {kind: linux}\n    s: {kind: linux, network-mode: 'container:a'}\n    t: {kind: linux, network-mode: 'container:s'}\n", "", /container:s: s shares another's namespace itself/],
    ["a cable to it", "    a: {kind: linux}\n    s: {kind: linux, network-mode: 'container:a'}\n", '    - endpoints: ["a:eth1", "s:eth1"]\n', /link 1: node s shares a's network namespace \(network-mode container:a\): cable a instead/],
    ["FRR in it", "    a: {kind: linux}\n    s: {kind: linux, image: 'quay.io/frrouting/frr:9.1.0', network-mode: 'container:a'}\n", "", /node s: network-mode: container:a: FRR in another node's namespace/],
  ])("refuses %s, naming it", (_what, nodes, links, err) => {
    expect(() => plan(nodes, links)).toThrow(err);
  });
});
