// Published ports (provider/components/ports.ts): docker's syntax, each case its own result; the
// forwarder's command line; a containerlab node's ports in the plan.
import { forwarderCommand, parsePorts } from "../../provider/components/ports";
import { planContainerlab } from "../../provider/components/containerlab-plan";

describe("parsePorts: docker's form", () => {
  test.each([
    ["host:node", ["8080:80"], [{ hostIp: "0.0.0.0", hostPort: 8080, nodePort: 80, proto: "tcp" }]],
    ["an address of this machine", ["127.0.0.1:2222:22"], [{ hostIp: "127.0.0.1", hostPort: 2222, nodePort: 22, proto: "tcp" }]],
    ["an IPv6 address in brackets", ["[::1]:8443:443"], [{ hostIp: "::1", hostPort: 8443, nodePort: 443, proto: "tcp" }]],
    ["tcp said", ["5000:5000/tcp"], [{ hostIp: "0.0.0.0", hostPort: 5000, nodePort: 5000, proto: "tcp" }]],
    ["udp", ["53:5353/udp"], [{ hostIp: "0.0.0.0", hostPort: 53, nodePort: 5353, proto: "udp" }]],
    ["one port in tcp and udp (two sockets)", ["8053:53", "8053:53/udp"], [{ hostIp: "0.0.0.0", hostPort: 8053, nodePort: 53, proto: "tcp" }, { hostIp: "0.0.0.0", hostPort: 8053, nodePort: 53, proto: "udp" }]],
    ["ranges of one length", ["9000-9001:80-81"], [{ hostIp: "0.0.0.0", hostPort: 9000, nodePort: 80, proto: "tcp" }, { hostIp: "0.0.0.0", hostPort: 9001, nodePort: 81, proto: "tcp" }]],
  ])("%s", (_what, specs, want) => expect(parsePorts(specs)).toEqual(want));
  test.each([
    ["sctp", ["5060:5060/sctp"], /"5060:5060\/sctp": sctp is not published \(netns-lab forwards TCP and UDP\)/],
    ["no host port (docker would pick one)", ["80"], /"80" is not \[ip:\]hostPort:nodePort/],
    ["a port out of range", ["70000:80"], /"70000:80": 70000 is not a port/],
    ["ranges of two lengths", ["9000-9002:80-81"], /the two ranges differ in length/],
    ["one port twice", ["8080:80", "8080:81"], /0\.0\.0\.0:8080\/tcp is published twice/],
    ["not a port", ["x:80"], /"x:80": x is not a port/],
  ])("refused: %s", (_what, specs, err) => expect(() => parsePorts(specs)).toThrow(err));
});

test("the forwarder's command: Python with the root namespace (its parent's, the provider's) and the ports as JSON (no shell)", () => {
  const c = forwarderCommand([{ hostIp: "0.0.0.0", hostPort: 8080, nodePort: 80, proto: "tcp" }, { hostIp: "::", hostPort: 8053, nodePort: 53, proto: "udp" }], "172.20.20.2");
  expect([c[0], c[1], c[3], c[4]]).toEqual(["python3", "-c", "parent", '[["0.0.0.0",8080,"172.20.20.2",80,"tcp"],["::",8053,"172.20.20.2",53,"udp"]]']);
});

describe("a containerlab node's ports", () => {
  const plan = (nodes: string) => planContainerlab(`name: p\ntopology:\n  nodes:\n${nodes}`, "/tmp", "p.clab.yml");
  test("a linux node's, honoured (no warning)", () => {
    const p = plan("    web: {kind: linux, ports: ['8080:80']}\n");
    expect(p.nodes[0].ports).toEqual([{ hostIp: "0.0.0.0", hostPort: 8080, nodePort: 80, proto: "tcp" }]);
    expect(p.warnings).toEqual([]);
  });
  test.each([
    ["a bridge", "    sw: {kind: bridge, ports: ['8080:80']}\n", "node sw: ports: a bridge has no address to carry them to: ignored"],
    ["network-mode none", "    n: {kind: linux, network-mode: none, ports: ['8080:80']}\n", "node n: ports: network-mode none: no eth0, docker publishes none: ignored"],
  ])("none for %s: one warning", (_what, nodes, warning) => {
    const p = plan(nodes);
    expect(p.warnings).toEqual([warning]);
    expect(p.nodes[0].ports).toBeUndefined();
  });
  test("a mistake refused, naming the node", () => expect(() => plan("    web: {kind: linux, ports: ['80']}\n")).toThrow(/node web: ports: "80" is not \[ip:\]hostPort:nodePort/));
});
