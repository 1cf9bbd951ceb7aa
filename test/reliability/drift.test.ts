// Drift: changes made by hand are reported by refresh and repaired by up, kind by kind.
import * as fs from "fs";
import * as path from "path";
import { cleanupAfterAll, openStack, previewSteps, REPO, TestStack } from "../support/engine";
import { pings, setSysctl, sh, uniquePrefix } from "../support/names";

jest.setTimeout(900_000);

const P = uniquePrefix();
const left = `${P}left`;
const right = `${P}right`;
const link = (ns: string, dev: string) => JSON.parse(sh("ip", ["-j", "-n", ns, "link", "show", "dev", dev]))[0];
const offload = (ns: string, dev: string) => sh("nsenter", [`--net=/run/netns/${ns}`, "ethtool", "-k", dev]);

// [what was changed by hand, the change, proof that up repaired it]
const drifts: Array<[string, () => void, () => void]> = [
  ["namespace deleted", () => sh("ip", ["netns", "del", right]), () => expect(pings(left, "10.98.0.2")).toBe(true)],
  ["veth end deleted", () => sh("ip", ["-n", right, "link", "del", "right-left"]), () => expect(link(right, "right-left").ifalias).toMatch(/^netns-lab:/)],
  ["address removed", () => sh("ip", ["-n", right, "addr", "del", "10.98.0.2/24", "dev", "right-left"]), () => expect(pings(left, "10.98.0.2")).toBe(true)],
  ["MTU changed", () => sh("ip", ["-n", left, "link", "set", "left-right", "mtu", "1280"]), () => expect(link(right, "right-left").mtu).toBe(1500)],
  ["link set down", () => sh("ip", ["-n", right, "link", "set", "right-left", "down"]), () => expect(link(right, "right-left").flags).toContain("UP")],
  ["MAC changed", () => sh("ip", ["-n", left, "link", "set", "left-right", "address", "02:00:00:00:98:99"]), () => expect(link(left, "left-right").address).toBe("02:00:00:00:98:01")],
  ["forwarding flipped", () => setSysctl(right, "net/ipv4/ip_forward", "0"), () => expect(sh("ip", ["netns", "exec", right, "cat", "/proc/sys/net/ipv4/ip_forward"]).trim()).toBe("1")],
  ["route deleted", () => sh("ip", ["-n", left, "route", "del", "10.97.0.0/16"]), () => expect(sh("ip", ["-n", left, "route", "show", "10.97.0.0/16"])).toMatch(/via 10\.98\.0\.2/)],
  ["route gateway changed", () => sh("ip", ["-n", left, "route", "replace", "10.97.0.0/16", "via", "10.98.0.3", "proto", "78"]), () => expect(sh("ip", ["-n", left, "route", "show", "10.97.0.0/16"])).toMatch(/via 10\.98\.0\.2/)],
  ["offload turned on", () => sh("nsenter", [`--net=/run/netns/${right}`, "ethtool", "-K", "right-left", "tx", "on"]), () => expect(offload(right, "right-left")).toMatch(/tx-checksumming: off/)],
  ["port detached from its bridge", () => sh("ip", ["-n", right, "link", "set", "rp", "nomaster"]), () => expect(link(right, "rp").master).toBe("br0")],
  ["NAT table flushed", () => sh("ip", ["netns", "exec", right, "nft", "flush", "ruleset"]), () => expect(sh("ip", ["netns", "exec", right, "nft", "list", "ruleset"])).toMatch(/ip saddr 10\.98\.0\.0\/24 oifname "rp" masquerade/)],
  ["qdisc removed", () => sh("ip", ["netns", "exec", left, "tc", "qdisc", "del", "dev", "left-right", "root"]), () => expect(sh("ip", ["netns", "exec", left, "tc", "qdisc", "show", "dev", "left-right"])).toMatch(/qdisc tbf 4e4c: root .*rate 100Mbit/)],
  ["hosts file edited", () => fs.appendFileSync(`/etc/netns/${left}/hosts`, "10.9.9.9\tintruder\n"), () => expect(fs.readFileSync(`/etc/netns/${left}/hosts`, "utf8")).not.toContain("intruder")],
  ["interface moved to another namespace", () => {
    sh("ip", ["netns", "add", `${P}elsewhere`]);
    sh("ip", ["-n", left, "link", "set", "left-right", "netns", `${P}elsewhere`]);
  }, () => {
    expect(link(left, "left-right").ifalias).toMatch(/^netns-lab:/);
    expect(pings(left, "10.98.0.2")).toBe(true);
  }],
];

const lab = cleanupAfterAll(P);
let t: TestStack | undefined;
beforeAll(async () => {
  t = lab.track(await openStack(path.join(REPO, "test", "fixtures", "cases"), P.slice(0, -1), { prefix: P }));
  await t.stack.up();
});

const FULL = process.env.NETNS_LAB_FULL === "1";

test.each(FULL ? drifts : drifts.filter((_, i) => [0, 11, 14].includes(i)))("%s: refresh reports it, up repairs it", async (_what, change, repaired) => {
  change();
  const r = await t!.stack.refresh();
  const changed = Object.entries(r.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
  expect(changed.length).toBeGreaterThan(0); // refresh saw it
  const p = await previewSteps(t!.stack);
  expect(Object.keys(p.byOp).filter((op) => op !== "same").length).toBeGreaterThan(0); // up will act
  await t!.stack.up();
  repaired();
  expect(Object.keys((await previewSteps(t!.stack)).byOp)).toEqual(["same"]);
  expect((await t!.stack.refresh()).summary.resourceChanges).toEqual({ same: expect.any(Number) });
});
