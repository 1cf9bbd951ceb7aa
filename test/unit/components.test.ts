// The components under Pulumi's mocks: the tree, the names, the inputs and the dependencies a lab
// program registers, in milliseconds (no engine, no kernel).
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  parent: string;
  dependencies: string[];
  inputs: Record<string, any>;
  urn?: string;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource: (args) => ({ id: args.custom ? `${args.name}-id` : undefined, state: args.inputs }),
    call: (args) => args.inputs,
  },
  "proj",
  "stack",
  false,
);
// Record what the program asks the engine for, dependencies included.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, cb: any) => {
  const rec: Registered = {
    type: req.getType(),
    name: req.getName(),
    parent: req.getParent(),
    dependencies: req.getDependenciesList(),
    inputs: (req.getObject()?.toJavaScript() ?? {}) as Record<string, any>,
  };
  registered.push(rec);
  return register(req, (err: unknown, res: any) => {
    if (res) rec.urn = res.getUrn();
    cb(err, res);
  });
};

const byName = (name: string) => {
  const r = registered.find((x) => x.name === name);
  if (!r) throw new Error(`${name} was not registered (have ${registered.map((x) => x.name).join(", ")})`);
  return r;
};
/** Polls until `last` is registered and every registration has its URN back (no fixed sleep). */
async function settled(last: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (registered.some((r) => r.name === last) && registered.every((r) => r.urn)) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`${last} was never registered`);
}

describe("the curo lab as components", () => {
  let description: any;
  beforeAll(async () => {
    const { curo } = await import("../../stacks/curo");
    description = curo("kernel", { namespacePrefix: "t-" }).lab.description();
    await settled("host2-routes");
  });

  test("every resource sits in the Lab's tree: node resources under their node, link resources under their link", () => {
    const lab = byName("curo");
    expect(lab.type).toBe("netns-lab:index:Lab");
    expect(byName("host1").type).toBe("netns-lab:index:Host");
    expect(byName("host1").parent).toBe(lab.urn);
    expect(byName("router1").type).toBe("netns-lab:index:Router");
    const ns = registered.find((r) => r.type === "pulumi-nodejs:dynamic/netns-lab:NetNamespace" && r.name === "host1")!;
    expect(ns.parent).toBe(registered.find((r) => r.type === "netns-lab:index:Host" && r.name === "host1")!.urn);
    expect(byName("router1-forwarding").parent).toBe(registered.find((r) => r.type === "netns-lab:index:Router" && r.name === "router1")!.urn);
    const link = registered.find((r) => r.type === "netns-lab:index:Link" && r.name === "host1-router1")!;
    expect(registered.find((r) => r.type.endsWith(":VethLink") && r.name === "host1-router1")!.parent).toBe(link.urn);
    expect(byName("host1-router1-addr").parent).toBe(link.urn);
    // Walk each resource's parents: every one reaches the Lab.
    const byUrn = new Map(registered.map((r) => [r.urn, r]));
    const reachesLab = (r: Registered | undefined): boolean => !!r && (r === lab || reachesLab(byUrn.get(r.parent)));
    const others = registered.filter((x) => x !== lab);
    expect(others.length).toBeGreaterThan(20);
    expect(others.filter((r) => !reachesLab(r)).map((r) => r.name)).toEqual([]);
  });

  test("names: namespaces carry the prefix, interfaces are <node>-<peer>, owners are project/stack/resource", () => {
    const ns = registered.filter((r) => r.type.endsWith(":NetNamespace")).map((r) => r.inputs.name).sort();
    expect(ns).toEqual(["t-host1", "t-host2", "t-router1", "t-router2"]);
    const veth = registered.find((r) => r.type.endsWith(":VethLink") && r.name === "router1-router2")!.inputs;
    expect(veth).toMatchObject({ name: "router1-router2", namespace: "t-router1", peerName: "router2-router1", peerNamespace: "t-router2", owner: "proj/stack/router1-router2", offload: { rx: false, tx: false } });
    expect(byName("router2-host2-addr").inputs).toMatchObject({ namespace: "t-router2", device: "router2-host2", address: "192.168.2.1/24" });
  });

  test("a node's route table waits for every address of its links, and knows them", () => {
    const table = byName("router1-routes");
    const addrs = ["host1-router1-addr", "router1-host1-addr", "router1-router2-addr", "router2-router1-addr"].map((n) => byName(n).urn);
    expect(table.dependencies).toEqual(expect.arrayContaining(addrs));
    expect(table.inputs).toMatchObject({ namespace: "t-router1", routes: [{ destination: "192.168.2.0/24", via: "192.168.0.2" }], addresses: ["192.168.1.1/24", "192.168.0.1/24"] });
  });

  test("the description lists nodes, interfaces and links as the program declared them", () => {
    expect(description.nodes.map((n: any) => [n.name, n.role, n.namespace])).toEqual([
      ["host1", "host", "t-host1"], ["router1", "router", "t-router1"], ["router2", "router", "t-router2"], ["host2", "host", "t-host2"],
    ]);
    expect(description.links[1]).toEqual({ name: "router1-router2", ends: [
      { node: "router1", interface: "router1-router2", address: "192.168.0.1/24" },
      { node: "router2", interface: "router2-router1", address: "192.168.0.2/24" },
    ] });
    expect(description.expectUnreachable).toBeUndefined();
  });
});

test("external mode: router1 gets no address, forwarding or routes, and the lab expects host1 not to reach host2", async () => {
  registered.length = 0;
  const { curo } = await import("../../stacks/curo");
  const d = curo("external", { namespacePrefix: "u-" }).lab.description();
  await settled("host2-routes");
  const names = registered.map((r) => r.name);
  expect(names).not.toContain("router1-forwarding");
  expect(names).not.toContain("router1-routes");
  expect(names).not.toContain("router1-host1-addr");
  expect(d.expectUnreachable).toEqual(expect.arrayContaining([["host1", "host2"], ["host2", "host1"]]));
});
