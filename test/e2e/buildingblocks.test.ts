// The building blocks through the real engine: the curo-nat lab (NAT proven by the source address
// host2 sees, names resolving, a flushed NAT table seen and repaired, nothing left in /etc/netns),
// and a program of raw resources whose routes come first, without dependsOn, converging in one up.
import { hasNetem } from "../support/kernel";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cleanupAfterAll, openStack, previewSteps, REPO, TestStack, labsDir } from "../support/engine";
import { namespaces, pings, sh, uniquePrefix } from "../support/names";
import { userProject } from "../support/project";

jest.setTimeout(600_000);

const etcNetns = (prefix: string) => (fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns").filter((d) => d.startsWith(prefix)) : []);

/** The source address of the first ICMP echo request `ns` sees on `dev` while `send` runs. */
async function sourceSeen(ns: string, dev: string, send: () => void): Promise<string> {
  const dump = spawn("ip", ["netns", "exec", ns, "tcpdump", "-n", "-l", "-c", "1", "-i", dev, "icmp[icmptype] == icmp-echo"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  dump.stdout.on("data", (b) => (out += b));
  const ready = new Promise((r) => dump.stderr.once("data", r)); // "listening on …"
  const done = new Promise((r) => dump.on("exit", r));
  await ready;
  send();
  await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  dump.kill();
  return /IP (\S+) > /.exec(out)?.[1] ?? `(nothing seen: ${out})`;
}

describe("curo-nat lab", () => {
  const prefix = uniquePrefix();
  const ns = (n: string) => `${prefix}${n}`;
  const lab = cleanupAfterAll(prefix);
  let t: TestStack;

  test("host1 and host3 reach host2 only through router1's NAT: host2 sees 192.168.0.1", async () => {
    t = lab.track(await openStack(labsDir(), prefix.slice(0, -1), { "netns-lab:lab": "curo-nat", "netns-lab:prefix": prefix, "netns-lab:mode": "kernel" }));
    await t.stack.up();
    expect(pings(ns("host1"), "192.168.2.2")).toBe(true);
    expect(pings(ns("host3"), "192.168.2.2")).toBe(true);
    expect(pings(ns("host1"), "192.168.1.3")).toBe(true); // across the bridge
    expect(pings(ns("host2"), "192.168.1.2")).toBe(false); // no route into the private LAN
    expect(await sourceSeen(ns("host2"), "host2-router2", () => pings(ns("host1"), "192.168.2.2"))).toBe("192.168.0.1");
    expect(sh("ip", ["netns", "exec", ns("host1"), "getent", "hosts", "host2"])).toMatch(/^192\.168\.2\.2\s+host2/);
    expect(sh("ip", ["netns", "exec", ns("host2"), "getent", "hosts", "host3"])).toMatch(/^192\.168\.1\.3\s+host3/);
  });

  test("the NAT table flushed by hand: refresh reports it, up puts it back", async () => {
    sh("ip", ["netns", "exec", ns("router1"), "nft", "flush", "ruleset"]);
    expect(pings(ns("host1"), "192.168.2.2")).toBe(false);
    const r = await t.stack.refresh();
    expect(r.summary.resourceChanges?.delete).toBe(1);
    expect((await previewSteps(t.stack)).byOp.create).toEqual(["router1-nat"]);
    await t.stack.up();
    expect(pings(ns("host1"), "192.168.2.2")).toBe(true);
  });

  test("destroy leaves no namespace, veth or /etc/netns entry", async () => {
    await t.stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(etcNetns(prefix)).toEqual([]);
  });
});

describe("raw resources, routes declared first and without dependsOn", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);

  test("one up converges: every route, port, NAT and hosts file in place; a second preview is empty", async () => {
    const t = lab.track(await openStack(path.join(REPO, "test", "fixtures", "raw"), prefix.slice(0, -1), { prefix }));
    const up = await t.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: 21 }); // 20 resources and the stack
    expect(pings(`${prefix}a`, "10.60.0.2")).toBe(true);
    expect(pings(`${prefix}b`, "10.60.0.2")).toBe(true);
    expect(await sourceSeen(`${prefix}o`, "o-r", () => pings(`${prefix}b`, "10.60.0.2"))).toBe("10.60.0.1");
    expect(sh("ip", ["netns", "exec", `${prefix}a`, "getent", "hosts", "o"])).toMatch(/^10\.60\.0\.2\s+o/);
    expect(Object.keys((await previewSteps(t.stack)).byOp)).toEqual(["same"]);
    await t.stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(etcNetns(prefix)).toEqual([]);
  });
});

describe("a shaped link", () => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);

  test("shaping { rate: 10mbit } is a 10 Mbit tbf on both ends; adding a delay fails clearly and changes nothing", async () => {
    const dir = userProject({
      "Pulumi.yaml": "name: shaped\nruntime: nodejs\nmain: index.ts\n",
      "package.json": JSON.stringify({ name: "shaped", private: true }),
      "index.ts": [
        `import * as pulumi from "@pulumi/pulumi";`,
        `import { Lab } from "netns-lab";`,
        `const c = new pulumi.Config();`,
        `const lab = new Lab("shaped", { namespacePrefix: c.require("prefix"), hosts: false });`,
        `const a = lab.host("a"), b = lab.host("b");`,
        `lab.link(a, b, { addresses: ["10.88.0.1/24", "10.88.0.2/24"], shaping: { rate: "10mbit", ...(c.get("delay") ? { delay: c.get("delay") } : {}) } });`,
        `export const description = lab.describe();`,
      ].join("\n"),
    });
    const t = lab.track(await openStack(dir, prefix.slice(0, -1), { prefix }));
    await t.stack.up();
    for (const [n, dev] of [["a", "a-b"], ["b", "b-a"]]) {
      expect(sh("ip", ["netns", "exec", `${prefix}${n}`, "tc", "qdisc", "show", "dev", dev])).toMatch(/qdisc tbf 4e4c: root .*rate 10Mbit/);
    }
    await t.stack.setConfig("delay", { value: "20ms" });
    if (hasNetem()) {
      // #20.11: where the kernel has netem, the delay goes in (netem at the root, tbf under it).
      await t.stack.up();
      expect(sh("ip", ["netns", "exec", `${prefix}a`, "tc", "qdisc", "show", "dev", "a-b"])).toMatch(/qdisc netem 4e4c: root .*delay 20ms/);
    } else {
      await expect(t.stack.up()).rejects.toThrow(/this kernel has no netem \(sch_netem\): delay, jitter and loss cannot be applied \(rate shaping with tbf works\)/);
      expect(sh("ip", ["netns", "exec", `${prefix}a`, "tc", "qdisc", "show", "dev", "a-b"])).toMatch(/qdisc tbf 4e4c: root .*rate 10Mbit/);
    }
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
