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

describe("privilege: one clear message, nothing created, state unchanged", () => {
  const P = uniquePrefix();
  const lab = cleanupAfterAll(P);
  const pulumi = `exec ${path.join(REPO, "bin", "pulumi")} up --yes --skip-preview --stack ${P.slice(0, -1)}`;

  test.each([
    ["without CAP_NET_ADMIN and CAP_SYS_ADMIN", ["capsh", "--drop=cap_net_admin,cap_sys_admin", "--", "-c", pulumi], /needs root \(it lacks CAP_NET_ADMIN and CAP_SYS_ADMIN\): run as root .*--privileged/],
    ["without CAP_SYS_ADMIN", ["capsh", "--drop=cap_sys_admin", "--", "-c", pulumi], /needs root \(it lacks CAP_SYS_ADMIN\): run as root .*--privileged \(or --cap-add SYS_ADMIN --cap-add NET_ADMIN\)/],
    ["in a user namespace (an unprivileged container)", ["unshare", "--user", "--map-root-user", "bash", "-c", pulumi], /from inside a user namespace .*mount --make-shared \/run\/netns failed.*--privileged/],
  ])("%s", async (_what, command, message) => {
    const t = lab.track(await openStack(PAIR, P.slice(0, -1), { prefix: P }));
    // The lab's resources in the state (a first update records the stack and its default provider).
    const labState = async () => JSON.stringify(((await t.stack.exportStack()).deployment.resources ?? []).filter((x: { type: string }) => x.type.includes("netns-lab")));
    const before = await labState();
    const env = { ...process.env, ...(t.stack.workspace as unknown as { envVars: Record<string, string> }).envVars };
    const r = spawnSync(command[0], command.slice(1), { cwd: PAIR, env, encoding: "utf8" });
    const out = r.stdout + r.stderr;
    expect(r.status).not.toBe(0);
    expect(out).toMatch(message);
    // However many resources tried, the user reads one message.
    const errors = new Set([...out.matchAll(/error: (.*)/g)].map((m) => m[1].trim()).filter((e) => !/^update failed$/.test(e)));
    expect([...errors].filter((e) => !message.test(e))).toEqual([]);
    expect(namespaces().filter((n) => n.startsWith(P))).toEqual([]);
    expect(await labState()).toBe(before);
    await t.dispose();
  });
});
