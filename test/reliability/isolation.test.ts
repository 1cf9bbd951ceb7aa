// Ownership, concurrency and privilege: what is not ours is never touched; stacks do not interfere;
// a process without the needed capabilities is told so before anything changes.
import { spawnSync } from "child_process";
import * as path from "path";
import { cleanupAfterAll, openStack, REPO } from "../support/engine";
import { namespaces, pings, sh, uniquePrefix } from "../support/names";

jest.setTimeout(900_000);
const PAIR = path.join(REPO, "test", "fixtures", "pair");

describe("ownership", () => {
  const P = uniquePrefix();
  const lab = cleanupAfterAll(P);

  test("every object we make carries the marker; a same-named object that is not ours is never touched", async () => {
    const t = lab.track(await openStack(PAIR, P.slice(0, -1), { prefix: P }));
    await t.stack.up();
    const owner = `netns-lab:netns-lab-pair/${P.slice(0, -1)}/`;
    expect(JSON.parse(sh("ip", ["-j", "-n", `${P}left`, "link", "show", "lo"]))[0].ifalias).toBe(`${owner}left`);
    expect(JSON.parse(sh("ip", ["-j", "-n", `${P}left`, "link", "show", "left-right"]))[0].ifalias).toBe(`${owner}link`);

    // We lose track of `right`: someone deletes it and makes their own under the same name.
    sh("ip", ["netns", "del", `${P}right`]);
    sh("ip", ["netns", "add", `${P}right`]);
    sh("ip", ["-n", `${P}right`, "link", "add", "right-left", "type", "veth", "peer", "name", "theirs"]);
    await t.stack.refresh();
    const exported = await t.stack.exportStack();
    expect(exported.deployment.resources.map((r: { urn: string }) => r.urn.split("::").pop())).not.toContain("right");
    // up refuses to take it over, and says why.
    await expect(t.stack.up()).rejects.toThrow(/"nlt.*right" already exists and is not owned by this stack/);
    // destroy removes ours and leaves theirs, interface and all.
    await t.stack.destroy();
    expect(namespaces()).toContain(`${P}right`);
    expect(namespaces()).not.toContain(`${P}left`);
    expect(sh("ip", ["-n", `${P}right`, "-br", "link"])).toMatch(/right-left/);
  });
});

describe("concurrency", () => {
  const A = uniquePrefix();
  const B = uniquePrefix();
  const lab = cleanupAfterAll(A, B);

  test("two stacks with disjoint names run up and destroy at the same time without interfering", async () => {
    const [a, b] = await Promise.all([openStack(PAIR, `${A}a`.replace(/-/g, ""), { prefix: A }), openStack(PAIR, `${B}b`.replace(/-/g, ""), { prefix: B })]);
    [a, b].forEach(lab.track);
    await Promise.all([a.stack.up(), b.stack.up()]);
    expect(pings(`${A}left`, "10.99.0.2")).toBe(true);
    expect(pings(`${B}left`, "10.99.0.2")).toBe(true);
    await Promise.all([a.stack.destroy(), b.stack.destroy()]);
    expect(namespaces().filter((n) => n.startsWith(A) || n.startsWith(B))).toEqual([]);
  });

  test("a second stack claiming the same kernel names fails clearly; the first stack's objects are untouched", async () => {
    const first = await openStack(PAIR, `${A}first`.replace(/-/g, ""), { prefix: A });
    const second = await openStack(PAIR, `${A}second`.replace(/-/g, ""), { prefix: A });
    [first, second].forEach(lab.track);
    await first.stack.up();
    const before = sh("ip", ["-n", `${A}left`, "-d", "link", "show", "left-right"]);
    await expect(second.stack.up()).rejects.toThrow(/already exists and is not owned by this stack/);
    expect(sh("ip", ["-n", `${A}left`, "-d", "link", "show", "left-right"])).toBe(before);
    expect(pings(`${A}left`, "10.99.0.2")).toBe(true);
    await second.stack.destroy(); // removes nothing of the first stack's
    expect(pings(`${A}left`, "10.99.0.2")).toBe(true);
    await first.stack.destroy();
  });
});

describe("privilege", () => {
  const P = uniquePrefix();
  const lab = cleanupAfterAll(P);

  test("without CAP_NET_ADMIN and CAP_SYS_ADMIN: one clear message, before any change", async () => {
    const t = lab.track(await openStack(PAIR, P.slice(0, -1), { prefix: P }));
    const env = { ...process.env, ...(t.stack.workspace as unknown as { envVars: Record<string, string> }).envVars };
    const r = spawnSync("capsh", ["--drop=cap_net_admin,cap_sys_admin", "--", "-c", `exec ${path.join(REPO, "bin", "pulumi")} up --yes --skip-preview --stack ${P.slice(0, -1)}`], { cwd: PAIR, env, encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/needs root \(it lacks CAP_NET_ADMIN and CAP_SYS_ADMIN\): run as root/);
    expect(namespaces().filter((n) => n.startsWith(P))).toEqual([]);
    const exported = await t.stack.exportStack();
    expect((exported.deployment.resources ?? []).filter((r: { type: string }) => r.type.includes("netns-lab"))).toEqual([]);
  });
});
