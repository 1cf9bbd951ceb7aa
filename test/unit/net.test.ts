// Address arithmetic (provider/net.ts): each case checks its own result.
import { canonical, canonicalCidr, contains, familyOf, hasHostBits, networkOf, parseCidr, sameAddress } from "../../provider/net";

describe("parseCidr", () => {
  test.each([
    ["192.168.1.2/24", { addr: "192.168.1.2", prefix: 24, family: 4 }],
    ["fd00::1/64", { addr: "fd00::1", prefix: 64, family: 6 }],
    ["::ffff:10.0.0.1/128", { addr: "::ffff:10.0.0.1", prefix: 128, family: 6 }],
    ["0.0.0.0/0", { addr: "0.0.0.0", prefix: 0, family: 4 }],
  ])("%s", (s, want) => expect(parseCidr(s)).toEqual(want));
  test.each(["1.2.3.4", "1.2.3.4/33", "fd00::1/129", "10.1/16", "0x0a.0.0.1/8", "1.2.3.4/24/1", "fe80::1%eth0/64", "1.2.3.4/-1", ""])("%j is refused", (s) =>
    expect(parseCidr(s)).toBeUndefined());
});

describe("canonical forms", () => {
  test.each([
    ["fd00:0::1", "fd00::1"],
    ["FD00::0001", "fd00::1"],
    ["::ffff:10.0.0.1", "::ffff:a00:1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["10.0.0.1", "10.0.0.1"],
  ])("%s -> %s", (a, want) => expect(canonical(a)).toBe(want));
  test("an IPv4-mapped address is the same address however it is written", () => {
    expect(sameAddress("::ffff:10.0.0.1", "::ffff:a00:1")).toBe(true);
    expect(sameAddress("::ffff:10.0.0.1", "10.0.0.1")).toBe(false); // another family
  });
  test("canonicalCidr keeps the prefix", () => expect(canonicalCidr("fd00:0::1/64")).toBe("fd00::1/64"));
  test("canonical of a non-address says so", () => expect(() => canonical("10.0.0")).toThrow(/not an IPv4 or IPv6 address/));
});

describe("networks and host bits", () => {
  test.each([
    ["192.168.1.2/24", "192.168.1.0/24", true],
    ["10.1.2.3/8", "10.0.0.0/8", true],
    ["0.0.0.0/0", "0.0.0.0/0", false],
    ["10.0.0.0/24", "10.0.0.0/24", false],
    ["fd00:1::1/64", "fd00:1::/64", true],
    ["fd00:1::/64", "fd00:1::/64", false],
    ["fd00:1:0:0::/64", "fd00:1::/64", false],
    ["2001:db8::ff/120", "2001:db8::/120", true],
  ])("%s is in %s (host bits: %s)", (c, net, bits) => {
    expect(networkOf(c)).toBe(net);
    expect(hasHostBits(c)).toBe(bits);
  });
  test.each([
    ["192.168.1.0/24", "192.168.1.77", true],
    ["192.168.1.0/24", "192.168.2.1", false],
    ["fd00:1::/64", "fd00:1::9", true],
    ["fd00:1::/64", "fd00:2::9", false],
    ["10.0.0.0/8", "fd00::1", false],
  ])("%s contains %s: %s", (c, a, want) => expect(contains(c, a)).toBe(want));
  test("family", () => {
    expect(familyOf("10.0.0.1")).toBe(4);
    expect(familyOf("::1")).toBe(6);
    expect(familyOf("host1")).toBeUndefined();
  });
});
