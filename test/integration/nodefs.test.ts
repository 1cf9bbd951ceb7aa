// Issue 31, item 2: a node with a filesystem of its own (NodeFilesystem), against real namespaces:
// what runs in it (a Command, a Process, netns-lab exec) writes its own /etc, /root, /tmp, /var,
// /run and sees its binds; the host's files are never written; delete leaves no mount and no file.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kinds as registry } from "../../provider/runtime";
import { Props, Provider } from "../../provider/kinds/kind";
import { fsDir, mountPath, underSharedMount } from "../../provider/kernel/nodefs";
import { inNode } from "../../cli/there";
import { removeNamespaces, uniquePrefix } from "../support/names";

const kinds = registry as unknown as Record<string, Provider>;
const owner = "itest/fs/res";
let p: string;
let work: string;
const made: Array<[string, { id: string; outs: Props }]> = [];
beforeEach(() => {
  p = uniquePrefix();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-nodefs-"));
});
afterEach(async () => {
  for (const [kind, r] of made.splice(0).reverse()) await kinds[kind].delete(r.id, r.outs).catch(() => undefined);
  removeNamespaces(p);
  fs.rmSync(work, { recursive: true, force: true });
});

async function check(kind: string, news: Props) {
  return kinds[kind].check({}, { owner, ...news });
}
async function make(kind: string, news: Props) {
  const r = await check(kind, news);
  expect(r.failures).toEqual([]);
  const out = await kinds[kind].create(r.inputs);
  made.push([kind, out]);
  return out;
}

/** A digest of what a host path holds (every file's path and content, links as links), or "absent". */
function digest(p0: string): string {
  if (!fs.existsSync(p0)) return "absent";
  const h = crypto.createHash("sha256");
  const walk = (p1: string) => {
    const st = fs.lstatSync(p1);
    h.update(p1 + "\0" + st.mode + "\0");
    if (st.isSymbolicLink()) h.update(fs.readlinkSync(p1));
    else if (st.isFile()) h.update(fs.readFileSync(p1));
    else if (st.isDirectory()) for (const e of fs.readdirSync(p1).sort()) walk(path.join(p1, e));
  };
  walk(p0);
  return h.digest("hex");
}
const HOST_PATHS = ["/etc/frr", "/root/.bash_profile", "/tmp/config", "/etc/config", "/var/log/frr/netns-lab-fs-test.log"];

describe("#31 item 2: a node with a filesystem of its own", () => {
  test("its own /etc, /root, /tmp, /var and /run, its binds (one read-only), its /sys; a Command, a Process and netns-lab exec see it; the host's files untouched; delete leaves nothing", async () => {
    const before = HOST_PATHS.map(digest);
    const ns = (await make("NetNamespace", { name: `${p}r1`, owner: `${owner}-ns` })).id;
    fs.writeFileSync(path.join(work, "daemons"), "zebra=yes\nospfd=yes\n");
    fs.mkdirSync(path.join(work, "config"));
    fs.writeFileSync(path.join(work, "config", "01-initial.sh"), "echo initial\n");
    const nfs = await make("NodeFilesystem", {
      namespace: ns,
      binds: [
        { source: path.join(work, "daemons"), target: "/etc/frr/daemons", readOnly: true },
        { source: path.join(work, "config"), target: "/etc/config" },
      ],
    });
    expect(nfs.outs.mountNamespace).toBe(mountPath(ns));
    // As netlab's initial script writes: /root, /etc/frr, /var/log/frr, /tmp/config.
    const script = [
      "echo node > /root/.bash_profile",
      "echo 'service integrated-vtysh-config' > /etc/frr/vtysh.conf",
      "mkdir -p /var/log/frr && echo log > /var/log/frr/netns-lab-fs-test.log",
      "echo hostname r1 > /tmp/config",
      "cat /etc/frr/daemons /etc/config/01-initial.sh",
      "ls /sys/class/net",
      "echo written > /etc/config/out",
      "ls -A /run",
    ].join(" && ");
    const cmd = await make("Command", { namespace: ns, create: ["sh", "-c", script], filesystem: true, owner: `${owner}-cmd` });
    expect(cmd.outs.stdout).toBe(["zebra=yes", "ospfd=yes", "echo initial", "lo", "frr"].join("\n"));
    // A bind that is not read-only writes through to the host's directory (as containerlab's does).
    expect(fs.readFileSync(path.join(work, "config", "out"), "utf8")).toBe("written\n");
    // The read-only bind is read-only in the node.
    const ro = await check("Command", { namespace: ns, create: ["sh", "-c", "echo x > /etc/frr/daemons"], filesystem: true, owner: `${owner}-ro` });
    await expect(kinds.Command.create(ro.inputs)).rejects.toThrow(/Read-only file system/);
    // A Process in it: the same mount namespace as the node's; it reads what the Command wrote.
    const proc = await make("Process", { namespace: ns, command: ["sh", "-c", "cat /tmp/config /root/.bash_profile; exec sleep 600"], filesystem: true, owner: `${owner}-proc` });
    const inTheNode = execFileSync("nsenter", [`--mount=${mountPath(ns)}`, "readlink", "/proc/self/ns/mnt"], { encoding: "utf8" }).trim();
    expect(fs.readlinkSync(`/proc/${proc.outs.pid}/ns/mnt`)).toBe(inTheNode);
    expect(fs.readlinkSync(`/proc/${proc.outs.pid}/ns/mnt`)).not.toBe(fs.readlinkSync("/proc/self/ns/mnt"));
    expect(fs.readFileSync(proc.outs.logFile as string, "utf8")).toBe("hostname r1\nnode\n");
    // netns-lab exec: the same view.
    const [file, args] = inNode({ name: "r1", role: "router", namespace: ns, interfaces: [], filesystem: true }, ["cat", "/etc/frr/vtysh.conf"]);
    expect(spawnSync(file, args, { encoding: "utf8" }).stdout).toBe("service integrated-vtysh-config\n");
    // The host's files were never written.
    expect(HOST_PATHS.map(digest)).toEqual(before);
    // read finds it; delete (processes first, as the engine orders) leaves no mount and no directory.
    expect((await kinds.NodeFilesystem.read(nfs.id, nfs.outs)).props).toMatchObject({ mountNamespace: mountPath(ns) });
    for (const [kind, r] of made.splice(1).reverse()) await kinds[kind].delete(r.id, r.outs);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(fsDir(ns));
    expect(fs.existsSync(fsDir(ns))).toBe(false);
    expect((await kinds.NodeFilesystem.read(nfs.id, nfs.outs)).props).toBeUndefined();
    await kinds.NodeFilesystem.delete(nfs.id, nfs.outs); // idempotent
    expect(HOST_PATHS.map(digest)).toEqual(before);
  });

  // Found running netlab's IS-IS topology: FRR 8.4 tells its peers the system's host name, not its
  // configured one (every router was "vm"), and netlab's isis_neighbor test looks for "r1".
  test("a host name of its own: a Command, a Process and netns-lab exec see it, the host's is unchanged; a Process's own wins; delete leaves no mount", async () => {
    const host = os.hostname();
    const ns = (await make("NetNamespace", { name: `${p}h`, owner: `${owner}-nsh` })).id;
    const bad = await check("NodeFilesystem", { namespace: ns, hostname: "no spaces" });
    expect(bad.failures.map((f: { property: string }) => f.property)).toEqual(["hostname"]);
    const nfs = await make("NodeFilesystem", { namespace: ns, hostname: "r7" });
    const cmd = await make("Command", { namespace: ns, create: ["hostname"], filesystem: true, owner: `${owner}-hcmd` });
    expect(cmd.outs.stdout).toBe("r7");
    const proc = await make("Process", { namespace: ns, command: ["sh", "-c", "hostname; exec sleep 600"], filesystem: true, owner: `${owner}-hproc` });
    const own = await make("Process", { namespace: ns, command: ["sh", "-c", "hostname; exec sleep 600"], filesystem: true, hostname: "mine", owner: `${owner}-hown` });
    const [file, args] = inNode({ name: "r7", role: "router", namespace: ns, interfaces: [], filesystem: true, hostname: "r7" }, ["hostname"]);
    expect(spawnSync(file, args, { encoding: "utf8" }).stdout).toBe("r7\n");
    expect(fs.readFileSync(proc.outs.logFile as string, "utf8")).toBe("r7\n");
    expect(fs.readFileSync(own.outs.logFile as string, "utf8")).toBe("mine\n");
    expect(os.hostname()).toBe(host);
    for (const [kind, r] of made.splice(1).reverse()) await kinds[kind].delete(r.id, r.outs);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(fsDir(ns));
    expect(fs.existsSync(fsDir(ns))).toBe(false);
    expect(nfs.outs.mountNamespace).toBe(mountPath(ns));
  });

  test("a bind whose source is missing fails the create before anything is made", async () => {
    const ns = (await make("NetNamespace", { name: `${p}r2`, owner: `${owner}-ns2` })).id;
    const r = await check("NodeFilesystem", { namespace: ns, binds: [{ source: path.join(work, "nope"), target: "/etc/frr/frr.conf" }] });
    await expect(kinds.NodeFilesystem.create(r.inputs)).rejects.toThrow(/cannot bind .*nope into node .* at \/etc\/frr\/frr.conf: .*nope does not exist$/);
    expect(fs.existsSync(fsDir(ns))).toBe(false);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(fsDir(ns));
  });

  // Outside the node's own /etc, /var, /tmp, /root a mount point would be made on the host: refused
  // unless the host has the path already (found when /srv/site appeared on the host: a test's bind),
  // or the host has nothing at its top-level path (containerlab's smoke test binds files at /): then
  // the node gets a root of its own holding it.
  const outside: Array<[string, (w: string) => { source: string; target: string }, RegExp | undefined]> = [
    ["a directory at a top-level path the host lacks (a root of the node's own)", (w) => ({ source: w, target: `/nlt-none-${process.pid}/site` }), undefined],
    ["a file at / the host lacks (a root of the node's own)", (w) => ({ source: path.join(w, "f"), target: `/nlt-f-${process.pid}.txt` }), undefined],
    ["a directory under a top-level directory the host has (/srv), missing there", (w) => ({ source: w, target: `/srv/nlt-${process.pid}/site` }), /at \/srv\/nlt-\d+\/site: \/srv\/nlt-\d+\/site does not exist on this machine, but \/srv does; outside the node's own \/etc, \/var, \/tmp and \/root netns-lab makes a mount point only at a top-level path this machine lacks/],
    ["a file onto a directory of the host", (w) => ({ source: path.join(w, "f"), target: "/srv" }), /at \/srv: \/srv on this machine is a directory and the bound one is a file/],
    ["a directory onto one the host has (/mnt)", (w) => ({ source: w, target: "/mnt" }), undefined],
    ["a directory under /var the host lacks (the node's own copy)", (w) => ({ source: w, target: `/var/nlt-${process.pid}/site` }), undefined],
  ];
  test.each(outside)("a bind target outside the node's own trees: %s", async (_what, bind, refused) => {
    fs.writeFileSync(path.join(work, "f"), "x\n");
    const ns = (await make("NetNamespace", { name: `${p}o`, owner: `${owner}-nso` })).id;
    const r = await check("NodeFilesystem", { namespace: ns, binds: [bind(work)] });
    expect(r.failures).toEqual([]);
    const roots = fs.readdirSync("/").sort();
    if (refused) {
      await expect(kinds.NodeFilesystem.create(r.inputs)).rejects.toThrow(refused);
      expect(fs.existsSync(fsDir(ns))).toBe(false);
    } else {
      const out = await kinds.NodeFilesystem.create(r.inputs);
      made.push(["NodeFilesystem", out]);
      const target = bind(work).target;
      const inNode = (...argv: string[]) => spawnSync("nsenter", [`--net=/run/netns/${ns}`, `--mount=${mountPath(ns)}`, "--", ...argv], { encoding: "utf8" });
      expect(inNode("cat", target.endsWith(".txt") ? target : `${target}/f`).stdout).toBe("x\n");
      // With a root of its own, the node still sees the host's top-level entries (its programs, its own /etc, /tmp).
      expect(inNode("ls", "-A", "/").stdout.split("\n").filter(Boolean).sort()).toEqual(expect.arrayContaining(roots.filter((e) => e !== "lost+found")));
      expect(inNode("ip", "-br", "link", "show", "lo").status).toBe(0);
      expect(inNode("sh", "-c", "touch /tmp/x && test -f /tmp/x").status).toBe(0);
    }
    expect(fs.readdirSync("/").sort()).toEqual(roots);
    expect(fs.existsSync(`/var/nlt-${process.pid}`)).toBe(false);
  });

  test("one a killed run left is removed by the sweep of its stack (by its marker), another stack's is not", async () => {
    const { sweep } = await import("../../provider/sweep");
    const ns = (await make("NetNamespace", { name: `${p}r3`, owner: `${owner}-ns3` })).id;
    const other = (await make("NetNamespace", { name: `${p}r4`, owner: "itest/other/ns4" })).id;
    await make("NodeFilesystem", { namespace: ns });
    await make("NodeFilesystem", { namespace: other, owner: "itest/other/fs4" });
    await sweep("itest", "fs");
    expect(fs.existsSync(fsDir(ns))).toBe(false);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(fsDir(ns));
    expect(fs.existsSync(mountPath(other))).toBe(true);
  });

  test("a node whose namespace is not there: a clear error, nothing made", async () => {
    const r = await check("NodeFilesystem", { namespace: `${p}none` });
    await expect(kinds.NodeFilesystem.create(r.inputs)).rejects.toThrow(`network namespace "${p}none" does not exist; declare a NetNamespace named "${p}none"`);
    expect(fs.existsSync(fsDir(`${p}none`))).toBe(false);
  });
});

describe("#31 item 2: bad input to NodeFilesystem, refused by check naming the property", () => {
  const cases: Array<[string, Props, string]> = [
    ["a bind under /run (the node's own, empty)", { binds: [{ source: "/srv/x", target: "/run/frr/x" }] }, "binds.0.target: bind target /run/frr/x is under /run, which is the node's own and empty: bind it elsewhere"],
    ["the whole /etc", { binds: [{ source: "/srv/x", target: "/etc" }] }, "binds.0.target: bind target /etc is the node's whole /etc: bind a file or a directory inside it"],
    ["a relative source", { binds: [{ source: "x", target: "/etc/x" }] }, "binds.0.source:"],
    ["an unknown field of a bind", { binds: [{ source: "/srv/x", target: "/etc/x", mode: "ro" }] }, 'binds.0: Unrecognized key: "mode"'],
    ["one target twice", { binds: [{ source: "/srv/x", target: "/etc/x" }, { source: "/srv/y", target: "/etc/x/" }] }, "binds: /etc/x/ is bound twice"],
  ];
  test.each(cases)("%s", async (_what, extra, reason) => {
    const r = await check("NodeFilesystem", { namespace: "r1", ...extra });
    expect(r.failures.map((f) => f.reason).join("\n")).toContain(reason);
  });
});

describe("#31 item 2: where the node's mount namespace can be bound (pure)", () => {
  const info = (lines: string[]) => lines.map((l, n) => `${n + 20} 1 0:${n} / ${l} - ext4 /dev/vda rw`).join("\n");
  const cases: Array<[string, string, boolean]> = [
    ["/ private (this machine)", info(["/ rw,relatime", "/run/netns rw shared:1"]), false],
    ["/ shared (systemd)", info(["/ rw shared:1", "/run rw shared:5"]), true],
    ["/run shared, the root made private", info(["/ rw shared:1", "/run rw shared:5", "/run/netns-lab/fs rw"]), false],
    ["only /run/netns shared: not above it", info(["/ rw", "/run/netns rw shared:1"]), false],
  ];
  test.each(cases)("%s", (_what, mountinfo, shared) => {
    expect(underSharedMount(mountinfo, "/run/netns-lab/fs/x")).toBe(shared);
  });
});

describe("#31 item 2: a host whose / is shared (systemd's)", () => {
  // The provider in a mount namespace of its own whose / is shared (unshare --propagation shared),
  // as a systemd host's: FS_ROOT must be made a private mount of its own, once, however many nodes
  // are made at once (each seeing it not yet a mount bound it again: two stacked binds). Were it
  // left shared, unshare --mount=FILE's bind of the new namespace would propagate into that very
  // namespace (it sets the new namespace's propagation only after): the kernel refuses, EINVAL.
  test("twelve nodes at once: FS_ROOT bound once and private, each node there; after delete FS_ROOT stays one private mount (as ip netns leaves /run/netns)", () => {
    const q = uniquePrefix();
    const dist = path.join(__dirname, "..", "..", "dist", "provider");
    const script = `
      const { kinds } = require(${JSON.stringify(path.join(dist, "runtime.js"))});
      const nodefs = require(${JSON.stringify(path.join(dist, "kernel", "nodefs.js"))});
      const fs = require("fs");
      // Its own /run/netns-lab (a tmpfs: shared, as a mount under a shared / is): the host's runs,
      // which make and remove FS_ROOT there meanwhile, do not reach it (a directory removed in the host
      // would take this namespace's mount of it along).
      require("child_process").execFileSync("mount", ["-t", "tmpfs", "-o", "mode=0755", "nlt-shared", "/run/netns-lab"]);
      const roots = () => fs.readFileSync("/proc/self/mountinfo", "utf8").split("\\n").filter((l) => l.split(" ")[4] === nodefs.FS_ROOT).map((l) => / shared:/.test(l.split(" - ")[0]) ? "shared" : "private");
      (async () => {
        const n = [...Array(12).keys()];
        const shared = /shared:/.test(fs.readFileSync("/proc/self/mountinfo", "utf8").split("\\n").find((l) => l.split(" ")[4] === "/"));
        const nss = await Promise.all(n.map(async (i) => kinds.NetNamespace.create((await kinds.NetNamespace.check({}, { name: "${q}" + i, owner: "itest/shr/ns" + i })).inputs)));
        const settled = await Promise.allSettled(n.map(async (i) => kinds.NodeFilesystem.create((await kinds.NodeFilesystem.check({}, { namespace: "${q}" + i, owner: "itest/shr/fs" + i })).inputs)));
        const made = settled.filter((m) => m.status === "fulfilled").map((m) => m.value);
        const failed = settled.filter((m) => m.status === "rejected").map((m) => String(m.reason).slice(0, 300));
        const there = await Promise.all(n.map((i) => nodefs.exists(require(${JSON.stringify(path.join(dist, "kernel", "exec.js"))}).local, "${q}" + i)));
        const during = roots();
        for (const m of made) await kinds.NodeFilesystem.delete(m.id, m.outs);
        for (const m of nss) await kinds.NetNamespace.delete(m.id, m.outs);
        console.log(JSON.stringify({ shared, failed, there: there.every(Boolean), during, after: roots(), left: fs.readdirSync(nodefs.FS_ROOT) }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    try {
      const r = spawnSync("unshare", ["--mount", "--propagation", "shared", process.execPath, "-e", script], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toEqual({ shared: true, failed: [], there: true, during: ["private"], after: ["private"], left: [] });
    } finally {
      removeNamespaces(q);
    }
  });
});
