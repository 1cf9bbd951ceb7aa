// Bad input through the real engine: each case yields a clear error at preview (check) or a clean
// failure at up, never a crash and never a shell, and leaves the kernel and the state as they were.
// `make test` runs a sample; `make test-reliability` (NETNS_LAB_FULL=1) runs all of them.
import { hasNetem } from "../support/kernel";
import * as fs from "fs";
import * as path from "path";
import { cleanupAfterAll, openStack, REPO, TestStack } from "../support/engine";
import { sh, uniquePrefix } from "../support/names";

jest.setTimeout(900_000);

const P = uniquePrefix();
const PWNED = `/tmp/netns-lab-pwned-${process.pid}`;
type Case = [string, Array<{ kind: string; name: string; args: Record<string, unknown> }>, RegExp, "preview" | "up"];
const ns = (n: string) => `${P}${n}`;
const left = ns("left");
const one = (kind: string, args: Record<string, unknown>) => [{ kind, name: "bad", args }];
const veth = (args: Record<string, unknown>) => one("VethLink", { name: "x0", namespace: left, peerName: "x1", peerNamespace: ns("right"), ...args });
const addr = (args: Record<string, unknown>) => one("IpAddress", { namespace: left, device: "left-right", address: "10.98.0.9/24", ...args });
const route = (args: Record<string, unknown>) => one("Route", { namespace: left, destination: "10.96.0.0/16", via: "10.98.0.2", ...args });

const cases: Case[] = [
  ["namespace name of 300 bytes", one("NetNamespace", { name: "n".repeat(300) }), /name: namespace names are file names: at most 255 bytes/, "preview"],
  ["namespace name with /", one("NetNamespace", { name: "a/b" }), /name: namespace names are file names/, "preview"],
  ["namespace name with shell metacharacters", one("NetNamespace", { name: '"; reboot' }), /name: namespace names are file names/, "preview"],
  ["namespace name with a command substitution", one("NetNamespace", { name: `$(touch ${PWNED})` }), /name: namespace names are file names/, "preview"],
  ["namespace name that reads as an option", one("NetNamespace", { name: "-all" }), /name: namespace names may not start with '-'/, "preview"],
  ["namespace name ..", one("NetNamespace", { name: ".." }), /name: namespace names may not be '\.' or '\.\.'/, "preview"],
  ["empty namespace name", one("NetNamespace", { name: "" }), /name: namespace names may not be empty/, "preview"],
  ["namespace name that is a number", one("NetNamespace", { name: 42 }), /name: .*string/i, "preview"],
  ["interface name of 16 bytes", veth({ name: "abcdefghijklmnop" }), /name: interface names are 1-15 bytes/, "preview"],
  ["interface name with /", veth({ peerName: "eth/0" }), /peerName: interface names may not contain/, "preview"],
  ["interface name with a space", veth({ name: "eth 0" }), /name: interface names may not contain/, "preview"],
  ["interface name with :", veth({ name: "eth:0" }), /name: interface names may not contain/, "preview"],
  ["interface name with a shell command", veth({ name: `$(touch ${PWNED})` }), /name: interface names/, "preview"],
  ["multi-byte interface name over 15 bytes", veth({ name: "ééééééééé" }), /name: interface names are 1-15 bytes/, "preview"],
  ["MTU 0", veth({ mtu: 0 }), /mtu: mtu must be at least 68/, "preview"],
  ["MTU 70000", veth({ mtu: 70000 }), /mtu: mtu must be at most 65535/, "preview"],
  ["MTU as text", veth({ mtu: "1500" }), /mtu: mtu must be a number/, "preview"],
  ["MAC that is not one", veth({ mac: "zz:00:00:00:00:01" }), /mac: MAC addresses look like/, "preview"],
  ["multicast MAC", veth({ mac: "01:00:5e:00:00:01" }), /mac: .*must be unicast/, "preview"],
  ["all-zero MAC", veth({ peerMac: "00:00:00:00:00:00" }), /peerMac: MAC address 00:00:00:00:00:00 is not usable/, "preview"],
  ["unknown offload", veth({ offload: { gso: false } }), /offload: Unrecognized key/i, "preview"],
  ["both ends the same", veth({ peerNamespace: left, peerName: "x0" }), /property peerName value \{x0\} has a problem: peerName must differ/, "preview"],
  ["unknown property", veth({ colour: "red" }), /property colour value \{red\} has a problem: unknown property 'colour'/, "preview"],
  ["veth into a namespace that does not exist", veth({ peerNamespace: ns("nowhere") }), /network namespace "nlt.*nowhere" does not exist/, "up"],
  // Two resources making one device: the program side sees both, before anything runs.
  ["duplicate interface name", veth({ name: "left-right" }), /VethLink "bad" and VethLink "link" both make device "left-right" in namespace ".*-left": one object, one resource/, "preview"],
  ["address without prefix length", addr({ address: "10.98.0.9" }), /address: "10\.98\.0\.9" is not an address with prefix length/, "preview"],
  ["address with an octet of 300", addr({ address: "10.98.0.300/24" }), /address: .*not an address with prefix length/, "preview"],
  ["IPv4 prefix /33", addr({ address: "10.98.0.9/33" }), /address: .*not an address with prefix length/, "preview"],
  ["IPv6 prefix /129", addr({ address: "fd00::9/129" }), /address: .*not an address with prefix length/, "preview"],
  ["address with shell metacharacters", addr({ address: '10.98.0.9/24"; reboot' }), /address: .*not an address with prefix length/, "preview"],
  ["address on a device that does not exist", addr({ device: "nope0" }), /device "nope0" does not exist in namespace/, "up"],
  ["address in a namespace that does not exist", addr({ namespace: ns("nowhere") }), /network namespace "nlt.*nowhere" does not exist/, "up"],
  ["address on an interface name too long", addr({ device: "a-very-long-device" }), /device: interface names are 1-15 bytes/, "preview"],
  ["route destination with host bits", route({ destination: "10.96.1.1/16" }), /destination: 10\.96\.1\.1\/16 has host bits set: did you mean 10\.96\.0\.0\/16\?/, "preview"],
  ["route destination that is a word", route({ destination: "everywhere" }), /destination: "everywhere" is not "default" or a CIDR/, "preview"],
  ["gateway that is not an address", route({ via: "10.98.0" }), /via: "10\.98\.0" is not an IPv4 or IPv6 address/, "preview"],
  ["IPv6 gateway for an IPv4 route", route({ via: "fd00::1" }), /via: via and destination must be the same IP family/, "preview"],
  ["route with neither gateway nor device", route({ via: undefined }), /a route needs 'via' \(a gateway\) or 'device'/, "preview"],
  ["negative metric", route({ metric: -1 }), /metric: /, "preview"],
  ["route via an unreachable gateway", route({ via: "172.31.255.1" }), /gateway 172\.31\.255\.1 is not reachable from namespace/, "up"],
  ["route in a namespace that does not exist", route({ namespace: ns("nowhere") }), /network namespace "nlt.*nowhere" does not exist/, "up"],
  ["duplicate routes in a table", one("RouteTable", { namespace: left, routes: [{ destination: "10.96.0.0/16", via: "10.98.0.2" }, { destination: "10.96.0.0/16", via: "10.98.0.3" }] }), /routes\.1\.destination: duplicate route to 10\.96\.0\.0\/16/, "preview"],
  ["route table that is a string", one("RouteTable", { namespace: left, routes: "10.96.0.0/16 via 10.98.0.2" }), /routes: .*array/i, "preview"],
  ["forwarding flag as text", one("IpForwarding", { namespace: left, ipv4: "yes" }), /ipv4: .*boolean/i, "preview"],
  ["forwarding in a namespace that does not exist", one("IpForwarding", { namespace: ns("nowhere"), ipv4: true }), /network namespace "nlt.*nowhere" does not exist/, "up"],
  ["rate that is a word", one("TrafficShaping", { namespace: left, device: "lp", rate: "fast" }), /rate: "fast" is not a rate: write a number and a tc unit, e\.g\. 10mbit/, "preview"],
  ["loss of 150%", one("TrafficShaping", { namespace: left, device: "lp", loss: "150%" }), /loss: a percentage is 0 to 100/, "preview"],
  ["jitter without delay", one("TrafficShaping", { namespace: left, device: "lp", jitter: "5ms" }), /jitter: jitter varies a delay: give delay too/, "preview"],
  // #20.11: only where the kernel has no netem is a delay a bad input.
  ...(hasNetem() ? [] : [["delay where the kernel has no netem", one("TrafficShaping", { namespace: left, device: "lp", delay: "20ms" }), /this kernel has no netem \(sch_netem\)/, "up"] as Case]),
  ["bridge name over 15 bytes", one("Bridge", { namespace: left, name: "a-very-long-bridge" }), /name: interface names are 1-15 bytes/, "preview"],
  ["the same LAN member twice", [{ kind: "lan", name: "dup", args: { members: ["h1", "h2", "h1"] } }], /lan lan0: h1 is a member twice/, "preview"],
  ["NAT out of an interface that does not exist", one("Nat", { namespace: ns("right"), source: "10.98.0.0/24", outInterface: "nope0" }), /interface "nope0" does not exist in namespace/, "up"],
  ["NAT of a source with host bits", one("Nat", { namespace: ns("right"), source: "10.98.0.7/24", outInterface: "rp" }), /source: 10\.98\.0\.7\/24 has host bits set: did you mean 10\.98\.0\.0\/24\?/, "preview"],
  ["process with an empty command", one("Process", { namespace: left, command: [] }), /command: a command needs at least the program/, "preview"],
  ["process with a relative program path and no cwd", one("Process", { namespace: left, command: ["./curo", "eth0"] }), /command: "\.\/curo" is a relative path: give cwd/, "preview"],
  ["process argument with a NUL byte", one("Process", { namespace: left, command: ["sleep", "1\u0000; reboot"] }), /command\.1: an argument may not contain a NUL byte/, "preview"],
  ["process that exits at once", one("Process", { namespace: left, command: ["/bin/sh", "-c", "echo no config file >&2; exit 2"] }), /exited at once .*\n.*no config file/, "up"],
  ["process whose program does not exist", one("Process", { namespace: left, command: ["/nonexistent/routerd"] }), /exited at once[\s\S]*No such file or directory/, "up"],
  ["hosts file entry that is not an address", one("HostsFile", { namespace: ns("right"), entries: { x: ["10.0.0.300"] } }), /entries\.x\.0: "10\.0\.0\.300" is not an IPv4 or IPv6 address/, "preview"],
];

const FULL = process.env.NETNS_LAB_FULL === "1";
const selected = FULL ? cases : cases.filter((_, i) => i % 8 === 0 || (cases[i][3] === "up" && i % 4 === 0));

const lab = cleanupAfterAll(P);
let t: TestStack | undefined;
let before: { kernel: string; state: string };

function kernel(): string {
  const nss = sh("ip", ["netns", "list"]).split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(P)).sort();
  const inNs = (n: string, ...cmd: string[]) => sh("ip", ["netns", "exec", n, ...cmd]);
  return JSON.stringify(nss.map((n) => [n, sh("ip", ["-n", n, "-br", "addr"]), sh("ip", ["-n", n, "route"]), inNs(n, "tc", "qdisc"), inNs(n, "nft", "list", "ruleset"), sh("ip", ["-n", n, "-d", "-br", "link"])]))
    + JSON.stringify(fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns").filter((d) => d.startsWith(P)) : []);
}
async function state(): Promise<string> {
  const s = await t!.stack.exportStack();
  // Each lab resource and its outputs, by URN, less the serialized provider (long, the same for a
  // whole kind). The default provider is left out: its inputs are the stack's config, which the test sets.
  const resources = (s.deployment.resources ?? []) as Array<{ urn: string; type: string; outputs?: Record<string, unknown> }>;
  return JSON.stringify(
    resources
      .filter((r) => !r.type.startsWith("pulumi:providers:"))
      .map((r) => {
        const { __provider, ...outputs } = r.outputs ?? {};
        return [r.urn, outputs];
      })
      .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    null,
    1,
  );
}

beforeAll(async () => {
  t = lab.track(await openStack(path.join(REPO, "test", "fixtures", "cases"), P.slice(0, -1), { prefix: P }));
  await t.stack.up();
  before = { kernel: kernel(), state: await state() };
});

test.each(selected)("%s", async (_name, extra, message, phase) => {
  await t!.stack.setConfig("extra", { value: JSON.stringify(extra) });
  let failure: Error | undefined;
  try {
    await t!.stack.preview();
  } catch (e) {
    failure = e as Error;
  }
  if (phase === "preview") {
    expect(failure?.message).toMatch(message);
  } else {
    expect(failure).toBeUndefined();
    await expect(t!.stack.up()).rejects.toThrow(message);
  }
  expect(failure?.message ?? "").not.toMatch(/panic|TypeError|ReferenceError|Unhandled/);
  expect(fs.existsSync(PWNED)).toBe(false);
  expect(kernel()).toBe(before.kernel);
  expect(await state()).toBe(before.state);
});
