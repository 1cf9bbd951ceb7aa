// netns-lab ui's pure side (cli/ui-live.ts): readings, cable states, rates, neighbours, positions,
// the token and the Host check. Each case checks its own result.
import type { LabDescription } from "../../provider/components/description";
import {
  bgpPeers, birdProtocols, cables, hostAllowed, newToken, ospfNeighbours, positionsOf, previewMarks, rates, rateText, Reading, readingOf, tokenMatches, tokenOf,
} from "../../cli/ui-live";

const lab: LabDescription = {
  name: "t",
  nodes: ["h1", "r1", "h2"].map((name) => ({ name, role: name.startsWith("r") ? "router" : "host", namespace: `t-${name}`, interfaces: [] })),
  links: [
    { name: "h1-r1", ends: [{ node: "h1", interface: "eth0" }, { node: "r1", interface: "a" }] },
    { name: "r1-h2", ends: [{ node: "r1", interface: "b" }, { node: "h2", interface: "eth0" }] },
  ],
};
const r = (state: string, rx = 0, tx = 0, adminUp = state !== "DOWN") => ({ state, adminUp, rxBytes: rx, txBytes: tx });

describe("readingOf", () => {
  test.each([
    ["a veth up", { ifname: "eth0", operstate: "UP", flags: ["UP", "LOWER_UP"] }, "UP"],
    ["a veth set down", { ifname: "eth0", operstate: "DOWN", flags: ["BROADCAST"] }, "DOWN"],
    ["the peer of one set down", { ifname: "eth0", operstate: "LOWERLAYERDOWN", flags: ["UP", "NO-CARRIER"] }, "LOWERLAYERDOWN"],
    ["the loopback, up (UNKNOWN, flag UP)", { ifname: "lo", operstate: "UNKNOWN", flags: ["LOOPBACK", "UP", "LOWER_UP"] }, "UP"],
    ["the loopback, down", { ifname: "lo", operstate: "UNKNOWN", flags: ["LOOPBACK"] }, "UNKNOWN"],
  ])("%s", (_, link, state) => {
    expect(readingOf([{ ...link, stats64: { rx: { bytes: 10 }, tx: { bytes: 20 } } }])).toEqual({ [link.ifname]: { state, adminUp: link.flags.includes("UP"), rxBytes: 10, txBytes: 20 } });
  });
  test("no counters: 0", () => expect(readingOf([{ ifname: "x", operstate: "UP" }])).toEqual({ x: { state: "UP", adminUp: true, rxBytes: 0, txBytes: 0 } }));
});

describe("cables", () => {
  const all = (a: string, b: string, c: string, d: string): Reading => ({ h1: { eth0: r(a) }, r1: { a: r(b), b: r(c) }, h2: { eth0: r(d) } });
  test.each<[string, Reading, Array<[string, string | undefined]>]>([
    ["all up", all("UP", "UP", "UP", "UP"), [["up", undefined], ["up", undefined]]],
    ["one end set down", all("UP", "DOWN", "UP", "UP"), [["down", "r1 a is set down"], ["up", undefined]]],
    ["one end set down, its peer without carrier (named second)", { h1: { eth0: r("DOWN", 0, 0, true) }, r1: { a: r("DOWN", 0, 0, false), b: r("UP") }, h2: { eth0: r("UP") } }, [["down", "r1 a is set down"], ["up", undefined]]],
    ["no end set down, one without carrier", all("LOWERLAYERDOWN", "UP", "UP", "UP"), [["down", "h1 eth0 is LOWERLAYERDOWN"], ["up", undefined]]],
    ["an interface gone", { h1: { eth0: r("UP") }, r1: { a: r("UP") }, h2: { eth0: r("UP") } }, [["up", undefined], ["missing", "r1 has no b"]]],
    ["a namespace gone", { h1: null, r1: { a: r("UP"), b: r("UP") }, h2: { eth0: r("UP") } }, [["missing", "h1's namespace is gone"], ["up", undefined]]],
  ])("%s", (_, reading, want) => {
    expect(cables(lab, reading, {}).map((c) => [c.state, c.why])).toEqual(want);
  });
  test("rates each way from one end's counters, read together: the first end's, else the second's", () => {
    const c = cables(lab, all("UP", "UP", "UP", "UP"), { h1: { eth0: { rx: 5, tx: 700 } }, r1: { a: { rx: 690, tx: 6 } }, h2: { eth0: { rx: 1, tx: 2 } } });
    expect(c[0].rates).toEqual([700, 5]); // h1's transmit and receive
    expect(c[1].rates).toEqual([1, 2]); // r1's b unread: h2's receive (r1 → h2), h2's transmit
    expect(cables(lab, all("UP", "UP", "UP", "UP"), {})[0].rates).toBeUndefined();
  });
});

describe("rates", () => {
  const at = (t: number, rx: number, tx: number) => ({ t, reading: { h1: { eth0: r("UP", rx, tx) } } as Reading });
  test("bits a second between two readings", () => expect(rates(at(1000, 0, 0), at(3000, 1000, 250))).toEqual({ h1: { eth0: { rx: 4000, tx: 1000 } } }));
  test("no previous reading: none", () => expect(rates(undefined, at(1000, 5, 5))).toEqual({}));
  test("a counter that went back (the interface made anew): 0", () => expect(rates(at(1000, 900, 900), at(2000, 100, 1000))).toEqual({ h1: { eth0: { rx: 0, tx: 800 } } }));
  test("a reading no later than the previous: none", () => expect(rates(at(2000, 0, 0), at(2000, 10, 10))).toEqual({}));
  test("an interface new since the previous reading: none for it", () => {
    expect(rates({ t: 0, reading: { h1: {} } }, at(1000, 10, 10))).toEqual({});
  });
});

test.each([
  [0, "0 b/s"],
  [999, "999 b/s"],
  [12_345, "12.3 kb/s"],
  [4_560_000, "4.56 Mb/s"],
  [1.2e9, "1.20 Gb/s"],
])("rateText(%d) = %s", (bits, text) => expect(rateText(bits)).toBe(text));

describe("routing neighbours", () => {
  test.each([
    ["FRR 8 (neighbors, nbrState)", { neighbors: { "2.2.2.2": [{ nbrState: "Full/DR" }], "3.3.3.3": [{ nbrState: "Init/DROther" }] } }, { total: 2, up: 1 }],
    ["older FRR (id → [state])", { "2.2.2.2": [{ state: "Full/Backup" }] }, { total: 1, up: 1 }],
    ["none", { neighbors: {} }, { total: 0, up: 0 }],
    ["not OSPF's (no JSON)", undefined, { total: 0, up: 0 }],
  ])("OSPF: %s", (_, json, want) => expect(ospfNeighbours(json)).toEqual(want));
  test.each([
    ["two families, one peer in both", { ipv4Unicast: { peers: { "10.0.0.2": { state: "Established" }, "10.0.0.6": { state: "Active" } } }, ipv6Unicast: { peers: { "10.0.0.2": { state: "Established" } } } }, { total: 2, up: 1 }],
    ["no BGP", {}, { total: 0, up: 0 }],
  ])("BGP: %s", (_, json, want) => expect(bgpPeers(json)).toEqual(want));
  test("BIRD's show protocols", () => {
    const text = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     10:00:00.000
kernel1    Kernel     master4    up     10:00:00.000
r2         BGP        ---        up     10:00:01.000  Established
r3         BGP        ---        start  10:00:01.000  Active        Socket: Connection refused
ospf1      OSPF       master4    up     10:00:00.000  Running
`;
    expect(birdProtocols(text)).toEqual({ bgp: { total: 2, up: 1 }, ospf: { total: 1, up: 1 } });
  });
});

test("positionsOf: Graphviz's points, y turned downwards", () => {
  expect(positionsOf({ bb: "0,0,151,36", objects: [{ name: "a", pos: "27,18" }, { name: "c", pos: "124,30" }, { name: "sub" }] })).toEqual({ a: [27, 18], c: [124, 6] });
});

describe("the token and the Host", () => {
  const u = (s: string) => new URL(s, "http://127.0.0.1:8000");
  test("a new token is 48 hex digits, different each time", () => {
    const [a, b] = [newToken(), newToken()];
    expect(a).toMatch(/^[0-9a-f]{48}$/);
    expect(a).not.toBe(b);
  });
  test.each<[string, URL, Record<string, string>, string | undefined]>([
    ["from the query", u("/?token=abc"), {}, "abc"],
    ["from the header", u("/api/live"), { "x-netns-lab-token": "hdr" }, "hdr"],
    ["from this port's cookie", u("/api/live"), { cookie: "other=1; netns-lab-ui-8000=ck" }, "ck"],
    ["another port's cookie: none", u("/api/live"), { cookie: "netns-lab-ui-8001=ck" }, undefined],
    ["nothing", u("/"), {}, undefined],
  ])("tokenOf: %s", (_, url, headers, want) => expect(tokenOf(url, headers, "netns-lab-ui-8000")).toBe(want));
  test.each([
    ["the same", "abc", true],
    ["another of the same length", "abd", false],
    ["a prefix", "ab", false],
    ["none", undefined, false],
  ])("tokenMatches: %s", (_, given, want) => expect(tokenMatches(given, "abc")).toBe(want));
  test.each([
    ["127.0.0.1:8000", false, true],
    ["localhost:8000", false, true],
    ["[::1]:8000", false, true],
    ["LOCALHOST:8000", false, true],
    ["127.0.0.1:8001", false, false],
    ["evil.example:8000", false, false],
    [undefined, false, false],
    ["evil.example:8000", true, true],
  ])("hostAllowed(%s, wide %s) = %s", (host, wide, want) => expect(hostAllowed(host, 8000, wide)).toBe(want));
});

describe("--exec's inputs", () => {
  // Imported here: ui.ts loads the server's modules (no kernel, no engine at import).
  const { interfaceName, ptyArgv } = require("../../cli/ui") as typeof import("../../cli/ui");
  test.each([
    ["eth0", "eth0"],
    ["router1-router2", "router1-router2"],
    ["a-name-of-16-ch", "a-name-of-16-ch"],
    ["a-name-of-16-chr", undefined],
    ["", undefined],
    ["../x", undefined],
    ["a b", undefined],
    ["..", undefined],
    ["eth0:1", undefined],
  ])("interfaceName(%j) = %j", (name, want) => expect(interfaceName(name)).toBe(want));
  test("ptyArgv: the command's argv after the helper, untouched (no shell)", () => {
    const argv = ptyArgv(["ip", ["netns", "exec", "n 1", "sh", "-c", "$(x); y"]]);
    expect(argv.slice(0, 2)).toEqual(["python3", "-c"]);
    expect(argv.slice(3)).toEqual(["ip", "netns", "exec", "n 1", "sh", "-c", "$(x); y"]);
  });
});

describe("previewMarks: the next change on the picture", () => {
  const step = (op: string, kind: string, name: string, inputs: Record<string, unknown>) => ({ op, kind, name, inputs });
  test("by node (the namespace a resource lives in) and by cable (a VethLink's two ends); unchanged left out; what has no place listed", () => {
    const m = previewMarks(lab, [
      step("same", "NetNamespace", "h1", { name: "t-h1" }),
      step("update", "IpAddress", "r1-a", { namespace: "t-r1", device: "a", address: "10.0.0.1/24" }),
      step("delete", "RouteTable", "r1-routes", { namespace: "t-r1" }),
      step("replace", "VethLink", "whatever", { name: "eth0", namespace: "t-h1", peerName: "a", peerNamespace: "t-r1" }),
      step("update", "VethLink", "r1-h2", { name: "eth0", namespace: "t-h2", peerName: "b", peerNamespace: "t-r1" }),
      step("create", "NetNamespace", "h3", { name: "t-h3" }),
      step("create", "VethLink", "r1-h3", { name: "c", namespace: "t-r1", peerName: "eth0", peerNamespace: "t-h3" }),
      step("create", "netns-lab:index:Link", "r1-h3", {}),
    ]);
    // The cable to h3 does not exist yet: its VethLink marks r1, where its end will be; h3 has no place.
    expect(m.nodes).toEqual({ r1: ["update", "delete", "create"] });
    expect(m.cables).toEqual({ "h1-r1": ["replace"], "r1-h2": ["update"] });
    expect(m.elsewhere).toEqual(["create NetNamespace h3"]);
  });
});
