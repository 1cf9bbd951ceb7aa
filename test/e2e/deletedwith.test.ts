// Issue 21, deletedWith: a destroy deletes each namespace and what outlives namespaces (processes,
// files, hosts files); the engine skips the provider's deletes of what lives in a namespace (cables,
// a bridge, addresses, routes, forwarding, NAT, shaping), which the kernel removes with it. Nothing
// is left: no namespace, device, process (ours or one started by hand in a namespace), file or
// hosts file. A namespace replaced (`up --replace`) gets its contents back (replaceWith): the
// engine would otherwise keep state entries for objects the kernel removed (pulumi/pulumi #23817).
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { cleanupAfterAll, labsDir, openStack, REPO } from "../support/engine";
import { userProject } from "../support/project";
import { namespaces, pings, uniquePrefix } from "../support/names";
import { markedProcesses } from "../support/kernel-snapshot";

jest.setTimeout(600_000);

const quiet = { onOutput: () => undefined };
const src = path.join(REPO, "test", "programs", "inside");
const dir = userProject(Object.fromEntries(fs.readdirSync(src).map((f) => [f, fs.readFileSync(path.join(src, f), "utf8")])));
const prefix = uniquePrefix();
const stackName = prefix.slice(0, -1);
const lab = cleanupAfterAll(prefix);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true })); // after the stack's own cleanup, which runs there
const ours = () => namespaces().filter((n) => n.startsWith(stackName));
const trace = path.join(os.tmpdir(), `netns-lab-trace-${stackName}.jsonl`);
afterAll(() => fs.rmSync(trace, { force: true }));

/** The provider calls the trace holds since it was last read: "Kind.method" → count. */
function calls(): Record<string, number> {
  const out: Record<string, number> = {};
  const text = fs.existsSync(trace) ? fs.readFileSync(trace, "utf8") : "";
  fs.rmSync(trace, { force: true });
  for (const line of text.split("\n").filter(Boolean)) {
    const e = JSON.parse(line);
    if (e.method) out[`${e.kind}.${e.method}`] = (out[`${e.kind}.${e.method}`] ?? 0) + 1;
  }
  return out;
}

const pgrep = (pattern: string) => spawnSync("pgrep", ["-f", pattern], { encoding: "utf8" }).stdout.trim();

test("destroy skips the deletes of what lives in namespaces and leaves nothing; a replaced namespace gets its contents back", async () => {
  const t = lab.track(await openStack(dir, stackName, {}));
  (t.stack.workspace as LocalWorkspace).envVars.NETNS_LAB_TRACE = trace;
  const up = await t.stack.up(quiet);
  expect(ours().sort()).toEqual([`${stackName}-a`, `${stackName}-o`, `${stackName}-r`]);
  const [from, to] = up.outputs.ping.value;
  expect(pings(from, to)).toBe(true);

  // The state carries the options the registry gave (plain strings, no dependsOn in the program).
  const state = await t.stack.exportStack();
  const byName = new Map<string, any>(state.deployment.resources.map((r: any) => [String(r.urn).split("::").pop(), r]));
  const urn = (n: string) => byName.get(n)?.urn;
  expect(byName.get("a-addr").deletedWith).toBe(urn(`${stackName}-a`));
  expect(byName.get("r-nat").deletedWith).toBe(urn(`${stackName}-r`));
  expect(byName.get("a-addr").replaceWith.sort()).toEqual([urn(`${stackName}-a`), urn("a-r")].sort());
  for (const n of ["a-sleeper", "a-script", "a-hosts"]) expect(byName.get(n).deletedWith ?? "").toBe("");

  // A targeted replace of the namespace r: what lives in it (and the cables into it, and what sits
  // on those cables) is replaced with it, so the lab works after the one up and previews no change.
  calls();
  await t.stack.up({ ...quiet, replace: [urn(`${stackName}-r`)] });
  const replaced = calls();
  for (const k of ["Bridge", "Nat", "IpForwarding", "VethLink"]) expect(replaced[`${k}.create`]).toBeGreaterThan(0);
  // r-lan and r-out in r; a-addr and o-addr on the far ends of the replaced cables a-r and r-o.
  expect(replaced["IpAddress.create"]).toBe(4);
  expect(replaced["Route.create"]).toBe(1); // a's default route, through a-addr
  expect(replaced["Process.create"]).toBeUndefined(); // in a, which stayed
  expect(pings(from, to)).toBe(true);
  await t.stack.refresh(quiet);
  await t.stack.preview({ ...quiet, expectNoChanges: true });

  // Someone starts a program by hand in a namespace; it would keep the namespace (and its devices) alive.
  const stray = spawn("ip", ["netns", "exec", `${stackName}-o`, "sleep", "997"], { detached: true, stdio: "ignore", env: { ...process.env, NETNS_LAB_OWNER: `${stackName}-stray` } });
  stray.unref();
  for (let i = 0; i < 50 && !pgrep("sleep 997"); i++) await new Promise((r) => setTimeout(r, 100));
  expect(pgrep("sleep 997")).not.toBe("");

  calls();
  await t.stack.destroy(quiet);
  const deleted = calls();
  // Deleted by the provider: the namespaces and what outlives them; nothing that lives in one.
  expect(Object.keys(deleted).filter((k) => k.endsWith(".delete")).sort()).toEqual(["File.delete", "HostsFile.delete", "NetNamespace.delete", "Process.delete"]);
  expect(deleted["NetNamespace.delete"]).toBe(3);

  expect(ours()).toEqual([]);
  expect(pgrep("sleep 997")).toBe("");
  expect(markedProcesses().filter((p) => p.includes(stackName))).toEqual([]); // ours and the stray one
  expect(fs.existsSync(`/run/netns-lab-tests/${stackName}`)).toBe(false);
  expect(fs.existsSync(`/etc/netns/${stackName}-a`)).toBe(false);
  // No device of the lab anywhere: the veth ends and the bridge went with their namespaces.
  const links = spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).stdout;
  expect(links).not.toMatch(/port-a|@if.*\bin\b/);
});

test("a component lab (Outputs, no replaceWith in its state for them): a replaced router namespace gets its contents back too", async () => {
  const p = `${prefix}c`; // removed with the file's prefix even if this fails midway
  const t = lab.track(await openStack(labsDir(), `dw-${stackName}`, { "netns-lab:lab": "curo", "netns-lab:prefix": p }));
  const up = await t.stack.up(quiet);
  const [from, to] = [up.outputs.pingFrom.value, up.outputs.pingTo.value];
  expect(pings(from, to)).toBe(true);
  const state = await t.stack.exportStack();
  const router = state.deployment.resources.find((r: any) => r.type.endsWith(":NetNamespace") && r.id === `${p}router1`);
  expect(router).toBeDefined();
  // Through Outputs the engine replaces what is built on the namespace by itself: no URNs spent on replaceWith.
  const inRouter = state.deployment.resources.filter((r: any) => r.deletedWith === router.urn);
  expect(inRouter.length).toBeGreaterThan(3);
  expect(inRouter.filter((r: any) => (r.replaceWith ?? []).includes(router.urn))).toEqual([]);
  await t.stack.up({ ...quiet, replace: [router.urn] });
  expect(pings(from, to)).toBe(true);
  await t.stack.refresh(quiet);
  await t.stack.preview({ ...quiet, expectNoChanges: true });
  await t.stack.destroy(quiet);
  expect(namespaces().filter((n) => n.startsWith(p))).toEqual([]);
});
