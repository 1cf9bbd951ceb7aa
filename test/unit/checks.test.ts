// #35 items 2 and 3: addressing mistakes the kernel takes silently, found from the program's constants.
import { overlappingSubnets, unreachableGateways } from "../../provider/components/checks";

describe("unreachableGateways", () => {
  test.each([
    ["a gateway in a subnet of the node", [{ destination: "default", via: "10.0.1.1" }], ["10.0.1.2/24"], 0],
    ["a gateway in no subnet", [{ destination: "10.9.0.0/16", via: "10.0.9.1" }], ["10.0.1.2/24"], 1],
    ["an IPv6 gateway in its subnet", [{ destination: "default", via: "fd00:1::1" }], ["fd00:1::2/64"], 0],
    ["an IPv4 gateway and only IPv6 addresses", [{ destination: "default", via: "10.0.1.1" }], ["fd00:1::2/64"], 1],
    ["a route by its device alone", [{ destination: "10.9.0.0/16", device: "eth1" }], [], 0],
    ["a gateway with its device named (the user's business)", [{ destination: "default", via: "192.0.2.1", device: "eth1" }], ["10.0.1.2/24"], 0],
    ["two bad of three", [{ destination: "a", via: "10.5.0.1" }, { destination: "b", via: "10.0.1.1" }, { destination: "c", via: "10.6.0.1" }], ["10.0.1.2/24"], 2],
  ])("%s", (_what, routes, addrs, bad) => {
    expect(unreachableGateways("h1", routes, addrs)).toHaveLength(bad);
  });
  test("the message names the node, the route, the gateway and the node's addresses", () => {
    expect(unreachableGateways("h1", [{ destination: "10.9.0.0/16", via: "10.0.9.1" }], ["10.0.1.2/24", "fd00::2/64"])).toEqual([
      "node h1: the route to 10.9.0.0/16 goes via 10.0.9.1, which is in no subnet of the node's addresses (10.0.1.2/24, fd00::2/64): give a link of the node an address in 10.0.9.1's subnet, or correct the gateway",
    ]);
  });
});

describe("overlappingSubnets", () => {
  const i = (name: string, ...addresses: string[]) => ({ name, peer: "x", addresses });
  test.each([
    ["one subnet on two interfaces", [i("eth1", "10.67.1.1/24"), i("eth2", "10.67.1.5/24")], 1],
    ["a /24 inside a /16", [i("eth1", "10.62.1.1/24"), i("eth2", "10.62.0.1/16")], 1],
    ["neighbouring subnets", [i("eth1", "10.0.0.1/24"), i("eth2", "10.0.1.1/24")], 0],
    ["two addresses of one subnet on one interface", [i("eth1", "10.0.0.1/24", "10.0.0.2/24")], 0],
    ["host addresses (unnumbered)", [i("eth1", "10.0.0.1/32"), i("eth2", "10.0.0.1/32")], 0],
    ["the loopback", [i("lo", "10.0.0.1/24"), i("eth1", "10.0.0.2/24")], 0],
    ["IPv6 overlapping", [i("eth1", "fd00:1::1/64"), i("eth2", "fd00:1::2/48")], 1],
    ["IPv4 and IPv6 (never)", [i("eth1", "10.0.0.1/8"), i("eth2", "fd00::1/8")], 0],
  ])("%s", (_what, ifaces, n) => {
    expect(overlappingSubnets("r1", ifaces)).toHaveLength(n);
  });
  test("the message names both addresses and interfaces", () => {
    expect(overlappingSubnets("r1", [i("eth1", "10.67.1.1/24"), i("eth2", "10.67.1.5/24")])[0]).toMatch(/^node r1: 10\.67\.1\.1\/24 on eth1 and 10\.67\.1\.5\/24 on eth2 are in overlapping subnets \(10\.67\.1\.0\/24, 10\.67\.1\.0\/24\)/);
  });
});
