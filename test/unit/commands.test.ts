// Command building and error classification: pure functions, no kernel.
import { classify } from "../../provider/kernel/exec";
import { plan, routeArgs } from "../../provider/kernel/route";

describe("route commands", () => {
  test("add carries gateway, device, metric and our protocol marker", () => {
    expect(routeArgs("add", { destination: "10.0.2.0/24", via: "10.0.1.2", device: "r1-r2", metric: 5 })).toEqual(
      ["route", "add", "10.0.2.0/24", "via", "10.0.1.2", "dev", "r1-r2", "metric", "5", "proto", "78"]);
  });
  test("an IPv6 default route is written ::/0 so ip picks the family", () => {
    expect(routeArgs("add", { destination: "default", via: "fd00::1" })).toEqual(["route", "add", "::/0", "via", "fd00::1", "proto", "78"]);
  });
  test("del names only the route's key", () => {
    expect(routeArgs("del", { destination: "default", via: "10.0.0.1", metric: 7 })).toEqual(["route", "del", "default", "metric", "7", "proto", "78"]);
  });
});

describe("RouteTable plan", () => {
  const a = { destination: "10.0.2.0/24", via: "10.0.1.2" };
  const b = { destination: "10.0.3.0/24", via: "10.0.1.2" };
  test("from nothing: one add per route", () => {
    expect(plan([], [a, b])).toEqual([routeArgs("add", a).join(" "), routeArgs("add", b).join(" ")]);
  });
  test("only what changed: remove b, replace a's gateway", () => {
    expect(plan([a, b], [{ ...a, via: "10.0.1.3" }])).toEqual([
      routeArgs("del", b).join(" "),
      routeArgs("replace", { ...a, via: "10.0.1.3" }).join(" "),
    ]);
  });
  test("no change, no command", () => {
    expect(plan([a, b], [b, a])).toEqual([]);
  });
  test("a gateway written another way is no change", () => {
    expect(plan([{ destination: "fd00:2::/64", via: "fd00::1" }], [{ destination: "fd00:2::/64", via: "fd00:0::1" }])).toEqual([]);
  });
});

describe("kernel messages become kinds of failure", () => {
  test.each([
    ["RTNETLINK answers: Operation not permitted", "not-permitted"],
    ['Cannot open network namespace "x": No such file or directory', "no-namespace"],
    ['Cannot find device "eth9"', "no-device"],
    ['Device "eth9" does not exist.', "no-device"],
    ["RTNETLINK answers: File exists", "exists"],
    ["Error: Unknown device type.", "unsupported"],
    ["something else", "other"],
  ])("%s -> %s", (stderr, kind) => {
    expect(classify(stderr)).toBe(kind);
  });
});


describe("a tool run inside a namespace that is not installed names its package", () => {
  test("nft missing, through nsenter", async () => {
    const { failure } = await import("../../provider/kernel/exec");
    const e = failure("nsenter", ["--net=/run/netns/x", "--", "nft", "-f", "-"], 127, "nsenter: failed to execute nft: No such file or directory", "write NAT table");
    expect(e.kind).toBe("missing-tool");
    expect(e.message).toBe("write NAT table: 'nft' is not installed: apt-get install nftables");
  });
});
