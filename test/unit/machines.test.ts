// Labs over machines, without machines: the split lab under Pulumi's mocks (which resources land on
// which machine, the VXLAN pair, its VNI and MTU), the `machine` field every kind takes (checked,
// part of the identity), and the SSH executor's quoting and error words.
import * as pulumi from "@pulumi/pulumi";
import { kinds } from "../../provider/runtime";
import { shellQuote, sshProblem } from "../../provider/kernel/ssh";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const registered: Registered[] = [];
pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.custom ? `${a.name}-id` : undefined, state: a.inputs }), call: (a) => a.inputs }, "proj", "stack", false);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, cb: any) => {
  registered.push({ type: req.getType(), name: req.getName(), inputs: (req.getObject()?.toJavaScript() ?? {}) as Record<string, any> });
  return register(req, cb);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { split } = require("../../stacks/split") as typeof import("../../stacks/split");

const m1 = { host: "10.250.0.1", privateKeyFile: "/k/id", hostKey: "ssh-ed25519 AAAAC3Nz" };
const m2 = { host: "10.250.0.2", privateKeyFile: "/k/id", hostKey: "ssh-ed25519 AAAAC3Nz" };

describe("the split lab under mocks", () => {
  beforeAll(async () => {
    split({ m1, m2 });
    // Registrations are asynchronous: wait for the runtime's queue of them to drain, as its disconnect does (not for a time).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
  });
  const custom = () => registered.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/netns-lab:"));
  const hostOf = (r: Registered) => r.inputs.machine?.host;

  test("every resource of a node carries its machine", () => {
    const byName = Object.fromEntries(custom().map((r) => [`${r.type.split(":").pop()} ${r.name}`, hostOf(r)]));
    expect(byName["NetNamespace host1"]).toBe("10.250.0.1");
    expect(byName["NetNamespace router2"]).toBe("10.250.0.2");
    expect(byName["IpForwarding router1-forwarding"]).toBe("10.250.0.1");
    expect(byName["RouteTable host2-routes"]).toBe("10.250.0.2");
    expect(byName["VethLink host1-router1"]).toBe("10.250.0.1");
    expect(byName["IpAddress router2-host2-addr"]).toBe("10.250.0.2");
    expect(custom().every((r) => hostOf(r) !== undefined)).toBe(true);
  });

  test("the cable between machines is a VXLAN pair: one VNI, each end's remote the other machine, MTU 1450", () => {
    const ends = custom().filter((r) => r.type.endsWith(":VxlanLink"));
    expect(ends.map((r) => r.name).sort()).toEqual(["router1-router2", "router2-router1"]);
    const [a, b] = ["router1-router2", "router2-router1"].map((n) => ends.find((r) => r.name === n)!.inputs);
    expect(a.vni).toBe(b.vni);
    expect(a.vni).toBeGreaterThanOrEqual(1);
    expect(a.vni).toBeLessThanOrEqual(16777215);
    expect([a.remote, a.local, a.machine.host]).toEqual(["10.250.0.2", "10.250.0.1", "10.250.0.1"]);
    expect([b.remote, b.local, b.machine.host]).toEqual(["10.250.0.1", "10.250.0.2", "10.250.0.2"]);
    expect([a.mtu, b.mtu]).toEqual([1450, 1450]);
    expect(custom().filter((r) => r.type.endsWith(":VethLink")).map((r) => r.name).sort()).toEqual(["host1-router1", "router2-host2"]);
  });
});

describe("the machine field of every kind", () => {
  const ns = { name: "a", owner: "p/s/a" };
  test.each([
    [{ host: "" }, "machine.host"],
    [{ host: "-oProxyCommand=x" }, "machine.host"],
    [{ host: "m", port: 70000 }, "machine.port"],
    [{ host: "m", user: "-l" }, "machine.user"],
    [{ host: "m", privateKeyFile: "id_ed25519" }, "machine.privateKeyFile"],
    [{ host: "m", hostKey: "AAAA" }, "machine.hostKey"],
    [{ host: "m", password: "x" }, "machine"],
  ])("%j is refused, naming %s", async (machine, property) => {
    const r = await kinds.NetNamespace.check({}, { ...ns, machine });
    expect(r.failures.map((f) => f.property)).toContain(property);
  });
  test("a full machine is accepted", async () => {
    const r = await kinds.NetNamespace.check({}, { ...ns, machine: { host: "10.0.0.5", port: 2222, user: "root", privateKeyFile: "/root/.ssh/id", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" } });
    expect(r.failures).toEqual([]);
  });
  test("another machine is another object: a replace", async () => {
    const d = await kinds.NetNamespace.diff("a", { ...ns, machine: { host: "m1" } }, { ...ns, machine: { host: "m2" } });
    expect(d.replaces).toEqual(["machine"]);
    const same = await kinds.NetNamespace.diff("a", { ...ns }, { ...ns });
    expect(same.changes).toBe(false);
  });
});

describe("the SSH executor's quoting", () => {
  test.each([
    ["plain", "'plain'"],
    ["it's", "'it'\\''s'"],
    ["$(reboot); `x` \"y\" *", "'$(reboot); `x` \"y\" *'"],
    ["", "''"],
  ])("%j -> %s", (arg, quoted) => {
    expect(shellQuote(arg)).toBe(quoted);
  });
});

describe("what an SSH failure means, in words that say what to do", () => {
  const m = { host: "10.0.0.9" };
  test.each([
    ["ssh: connect to host 10.0.0.9 port 22: Connection refused", /machine root@10\.0\.0\.9: cannot be reached over SSH \(is it up, is sshd running/],
    ["ssh: connect to host 10.0.0.9 port 22: No route to host", /cannot be reached over SSH/],
    ["ssh: connect to host 10.0.0.9 port 22: Connection timed out", /cannot be reached over SSH/],
    ["Timeout, server 10.0.0.9 not responding.", /cannot be reached over SSH/],
    ["root@10.0.0.9: Permission denied (publickey).", /the SSH key was refused \(give privateKeyFile, or load the key into ssh-agent/],
    ["Host key verification failed.", /its host key is not the one known_hosts holds/],
  ])("%s", (stderr, message) => {
    const e = sshProblem(m, stderr);
    expect(e?.message).toMatch(message);
    expect(e?.kind).toBe("unreachable");
  });
  test("a pinned host key that differs is named as such", () => {
    expect(sshProblem({ ...m, hostKey: "ssh-ed25519 AAAA" }, "Host key verification failed.")?.message).toMatch(/its host key is not the hostKey given/);
  });
  test("a port other than 22 is part of the machine's name", () => {
    expect(sshProblem({ host: "h", port: 2222, user: "lab" }, "Connection refused")?.message).toMatch(/^machine lab@h:2222: /);
  });
  test("anything else is the command's own failure, not the transport's", () => {
    expect(sshProblem(m, "RTNETLINK answers: File exists")).toBeUndefined();
  });
});

describe("#20.14: the machine's shape, written once (provider/machine.ts)", () => {
  test("the kinds' machine input, the lab's machines and the SSH key all come from one schema", async () => {
    const { MACHINE_KEYS, machineOf, machineKey } = await import("../../provider/machine");
    const { machineSpec } = await import("../../provider/components/description");
    expect(MACHINE_KEYS).toEqual(["host", "port", "user", "privateKeyFile", "hostKey"]);
    const info = { name: "m1", host: "10.250.0.1", port: 2222, user: "root", privateKeyFile: "/k", hostKey: "ssh-ed25519 AAAA", address: "10.250.0.1" };
    expect(machineSpec(info)).toEqual({ host: "10.250.0.1", port: 2222, user: "root", privateKeyFile: "/k", hostKey: "ssh-ed25519 AAAA" });
    expect(machineOf({ host: "h" })).toEqual({ host: "h" });
    expect(machineKey({ host: "h" })).toBe(machineKey({ host: "h", port: 22, user: "root" }));
    expect(machineKey({ host: "h" })).not.toBe(machineKey({ host: "h", port: 2222 }));
  });
});
