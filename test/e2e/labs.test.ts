// The labs of stacks/ through the real engine, as `make up` runs them: the curo lab with its router1
// mode switch and a route deleted by hand, and the chain lab.
import * as fs from "fs";
import { cleanupAfterAll, openStack, previewSteps, REPO, TestStack, labsDir } from "../support/engine";
import { namespaces, pings, sh, uniquePrefix } from "../support/names";

jest.setTimeout(600_000);

describe("curo lab", () => {
  const prefix = uniquePrefix();
  const ns = (n: string) => `${prefix}${n}`;
  const lab = cleanupAfterAll(prefix);
  let t: TestStack | undefined;

  test("kernel mode: host1 reaches host2 through both router kernels, 3 hops", async () => {
    t = lab.track(await openStack(labsDir(), prefix.slice(0, -1), { "netns-lab:lab": "curo", "netns-lab:prefix": prefix, "netns-lab:mode": "kernel" }));
    const up = await t.stack.up();
    expect(up.outputs.ping.value).toBe(`ip netns exec ${ns("host1")} ping -c 3 -W 1 192.168.2.2`);
    expect(namespaces()).toEqual(expect.arrayContaining(["host1", "router1", "router2", "host2"].map(ns)));
    const out = sh("ip", ["netns", "exec", ns("host1"), "ping", "-c", "1", "-W", "1", "192.168.2.2"]);
    expect(out).toMatch(/ttl=62/); // 64 - 2 routers
    expect(pings(ns("host2"), "192.168.1.2")).toBe(true);
    for (const [n, dev] of [["host1", "host1-router1"], ["router2", "router2-host2"]]) {
      expect(sh("nsenter", [`--net=/run/netns/${ns(n)}`, "ethtool", "-k", dev])).toMatch(/rx-checksumming: off[\s\S]*tx-checksumming: off/);
    }
  });

  test("external mode changes only router1's addresses, route and forwarding; switching back restores", async () => {
    const { stack } = t!;
    await stack.setConfig("netns-lab:mode", { value: "external" });
    const p = await previewSteps(stack);
    expect(Object.keys(p.byOp).sort()).toEqual(["delete", "same", "update"]);
    expect(p.byOp.delete.sort()).toEqual(["router1-forwarding", "router1-host1-addr", "router1-router2-addr", "router1-routes"]);
    // router1's addresses leave every node's hosts file: those are the only updates.
    expect(p.byOp.update.sort()).toEqual(["host1-hosts", "host2-hosts", "router1-hosts", "router2-hosts"]);
    await stack.up();
    expect(pings(ns("host1"), "192.168.2.2")).toBe(false);
    expect(sh("ip", ["-n", ns("router1"), "-4", "addr"])).not.toMatch(/192\.168/);
    expect(sh("ip", ["netns", "exec", ns("router1"), "cat", "/proc/sys/net/ipv4/ip_forward"]).trim()).toBe("0");
    expect(sh("ip", ["-n", ns("router1"), "-br", "link", "show", "router1-host1"])).toMatch(/\bUP\b/);

    // A user-space router in router1, as a Process of the stack, with router1's host name.
    await stack.setConfig("netns-lab:router", { value: JSON.stringify(["/bin/sh", "-c", "hostname; exec sleep 600"]) });
    expect((await previewSteps(stack)).byOp.create).toEqual(["router1-router"]);
    await stack.up();
    const res = (await stack.exportStack()).deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::router1-router"));
    expect(sh("nsenter", [`--uts=/proc/${res.outputs.pid}/ns/uts`, "hostname"]).trim()).toBe("router1");
    expect(fs.statSync(`/proc/${res.outputs.pid}/ns/net`).ino).toBe(fs.statSync(`/run/netns/${ns("router1")}`).ino);
    await stack.removeConfig("netns-lab:router");

    await stack.setConfig("netns-lab:mode", { value: "kernel" });
    const back = await previewSteps(stack);
    expect(back.byOp.create.sort()).toEqual(["router1-forwarding", "router1-host1-addr", "router1-router2-addr", "router1-routes"]);
    expect(back.byOp.update.sort()).toEqual(["host1-hosts", "host2-hosts", "router1-hosts", "router2-hosts"]);
    await stack.up();
    expect(pings(ns("host1"), "192.168.2.2")).toBe(true);
  });

  test("a route deleted by hand: refresh reports it, up puts it back", async () => {
    const { stack } = t!;
    sh("ip", ["-n", ns("router1"), "route", "del", "192.168.2.0/24"]);
    expect(pings(ns("host1"), "192.168.2.2")).toBe(false);
    const r = await stack.refresh();
    expect(r.summary.resourceChanges?.update).toBe(1);
    const p = await previewSteps(stack);
    expect(p.byOp.update).toEqual(["router1-routes"]);
    await stack.up();
    expect(pings(ns("host1"), "192.168.2.2")).toBe(true);
  });

  test("destroy leaves none of the lab's namespaces", async () => {
    await t!.stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  });
});

describe("chain lab", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);
  let t: TestStack | undefined;

  test("10 routers: the end hosts reach each other; one changed address replaces just that address and the routes through it; destroy cleans up", async () => {
    t = lab.track(await openStack(labsDir(), prefix.slice(0, -1), { "netns-lab:lab": "chain", "netns-lab:prefix": prefix, "netns-lab:routers": "10" }));
    await t.stack.up();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toHaveLength(12);
    expect(pings(`${prefix}h1`, "10.0.10.2")).toBe(true);
    expect(pings(`${prefix}h2`, "10.0.0.1")).toBe(true);
    expect(Object.keys((await previewSteps(t.stack)).byOp)).toEqual(["same"]);

    await t.stack.setConfig("netns-lab:addresses", { value: JSON.stringify({ "h2-r10": "10.0.10.200/24" }) });
    const p = await previewSteps(t.stack);
    const touched = new Set(Object.entries(p.byOp).filter(([op]) => op !== "same").flatMap(([, names]) => names));
    // The address is replaced; so is h2's route table (replaceWith the address its gateway is
    // reached through: the kernel drops the default route through 10.0.10.1 together with the last
    // address of 10.0.10.0/24). Nothing else moves.
    expect([...touched].sort()).toEqual(["h2-r10-addr", "h2-routes"]);
    expect(p.byOp.replace?.sort()).toEqual(["h2-r10-addr", "h2-routes"]);
    const up = await t.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ replace: 2 });
    expect(pings(`${prefix}h1`, "10.0.10.200")).toBe(true);
    expect(pings(`${prefix}h1`, "10.0.10.2")).toBe(false);

    await t.stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  });
});
