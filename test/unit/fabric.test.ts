// The fabric lab's plan (sizes, addresses, routes) under Pulumi's mocks, verify's sampling of pairs,
// and what each registration records as its position in the program (the user's line, not ours).
import * as pulumi from "@pulumi/pulumi";
import type { LabDescription } from "../../provider/components/description";
import { renderMatrix, samplePairs } from "../../cli/verify";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  position?: string;
  frames: number;
}
const registered: Registered[] = [];
pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.custom ? `${a.name}-id` : undefined, state: a.inputs }), call: (a) => a.inputs }, "proj", "stack", false);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, cb: any) => {
  registered.push({
    type: req.getType(),
    name: req.getName(),
    inputs: (req.getObject()?.toJavaScript() ?? {}) as Record<string, any>,
    position: req.getSourceposition()?.getUri(),
    frames: req.getStacktrace()?.getFramesList().length ?? 0,
  });
  return register(req, cb);
};

// Loaded after the mocks are in place.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fabric, fabricNamespaces, fabricSize } = require("../../stacks/fabric") as typeof import("../../stacks/fabric");

describe("fabric sizes", () => {
  test.each([
    ["tiny", { spines: 2, leaves: 2, hosts: 2 }, 10],
    ["small", { spines: 2, leaves: 6, hosts: 15 }, 104],
    ["medium", { spines: 4, leaves: 16, hosts: 18 }, 324],
    ["large", { spines: 4, leaves: 40, hosts: 24 }, 1044],
    ["3x5x7", { spines: 3, leaves: 5, hosts: 7 }, 48],
  ])("%s", (spec, size, namespaces) => {
    expect(fabricSize(spec)).toEqual(size);
    expect(fabricNamespaces(fabricSize(spec))).toBe(namespaces);
  });
  test.each(["huge", "0x2x2", "2x251x2", "2x2", "2x2x2x2", ""])("%j is refused, naming the forms", (spec) => {
    expect(() => fabricSize(spec)).toThrow(/SPINESxLEAVESxHOSTS \(each 1-250\) or one of tiny, small, medium, large/);
  });
});

describe("the tiny fabric under mocks", () => {
  beforeAll(async () => {
    fabric(fabricSize("tiny"));
    // Registrations are asynchronous: wait for the runtime's queue of them to drain, as its disconnect does (not for a time).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
  });
  const of = (kind: string) => registered.filter((r) => r.type === `pulumi-nodejs:dynamic/netns-lab:${kind}`);
  const table = (name: string) => of("RouteTable").find((r) => r.name === `${name}-routes`)!.inputs.routes;

  test("namespaces: spines, leaves, a switch per leaf, hosts", () => {
    expect(of("NetNamespace").map((r) => r.name).sort()).toEqual(["h1-1", "h1-2", "h2-1", "h2-2", "l1", "l2", "lan1", "lan2", "s1", "s2"]);
    expect(of("Bridge").map((r) => r.name).sort()).toEqual(["lan1-bridge", "lan2-bridge"]);
  });
  test("routes: hosts to their leaf, leaves to spine 1, spines to each leaf's LAN and other uplinks", () => {
    expect(table("h2-1")).toEqual([{ destination: "default", via: "172.16.2.1" }]);
    expect(table("l2")).toEqual([{ destination: "default", via: "10.1.2.1" }]);
    expect(table("s1")).toEqual([
      { destination: "172.16.1.0/24", via: "10.1.1.2" },
      { destination: "10.2.1.0/24", via: "10.1.1.2" },
      { destination: "172.16.2.0/24", via: "10.1.2.2" },
      { destination: "10.2.2.0/24", via: "10.1.2.2" },
    ]);
  });
  test("each resource records one frame: the program's line that declared it, not netns-lab's", () => {
    const ours = registered.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/netns-lab:") || r.type.startsWith("netns-lab:"));
    expect(ours.length).toBeGreaterThan(30);
    for (const r of ours) {
      expect(r.position).toMatch(/\/stacks\/fabric\.ts$/);
      expect(r.frames).toBe(1);
    }
  });
});

describe("verify --sample", () => {
  const nodes = Array.from({ length: 30 }, (_, i) => ({ name: `n${i}`, namespace: `n${i}`, role: "host", interfaces: [] })) as unknown as LabDescription["nodes"];
  test("the first node with the last, then N distinct pairs of different nodes, the same every run", () => {
    const a = samplePairs(nodes, 40).map(([x, y]) => `${x.name}>${y.name}`);
    expect(a[0]).toBe("n0>n29");
    expect(a).toHaveLength(41);
    expect(new Set(a).size).toBe(41);
    expect(a.every((p) => p.split(">")[0] !== p.split(">")[1])).toBe(true);
    expect(samplePairs(nodes, 40).map(([x, y]) => `${x.name}>${y.name}`)).toEqual(a);
  });
  test("asking for more pairs than there are gives them all", () => {
    expect(samplePairs(nodes.slice(0, 3), 100)).toHaveLength(6);
  });
  test("a sample is listed, not drawn as a matrix", () => {
    const lab = { nodes: nodes.slice(0, 3), links: [] } as unknown as LabDescription;
    const text = renderMatrix(lab, { matrix: { n0: { n2: "ok" }, n1: { n0: "fail" } }, unexpected: ["n1 -> n0: fail"], sampled: [["n0", "n2"], ["n1", "n0"]] });
    expect(text).toBe("n0 -> n2: ok\nn1 -> n0: fail\n\n2 of 6 pairs checked; 1 unexpected");
  });
});
