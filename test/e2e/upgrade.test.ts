// Upgrade safety, after Pulumi's providertest: stacks recorded by earlier releases
// (test/fixtures/upgrade, made by record.sh: curo and chain at 0ff8a44, before the kind template;
// curo-nat at 3fd39da, the last release with the closure-serialized provider) are taken over by this
// code. Their kernel objects are made again under the recorded names and markers, the recorded state
// is imported, and then: preview shows no replace and no delete, and every update is the provider line
// alone (the state moves to the one-line, path-free form); new are only the hosts files the lab writes
// since 0ff8a44. Refresh finds nothing changed; up makes just that; afterwards the state holds no path
// of this checkout and a preview is empty; the lab works; destroy leaves nothing.
import * as fs from "fs";
import * as path from "path";
import { kinds } from "../../provider/runtime";
import { routeToText } from "../../provider/kinds/fields";
import type { RouteSpec } from "../../provider/kernel/route";
import type { Provider } from "../../provider/kinds/kind";
import { cleanupAfterAll, openStack, previewSteps, REPO, labsDir } from "../support/engine";
import { namespaces, pings, uniquePrefix } from "../support/names";

jest.setTimeout(300_000);

interface Res {
  type: string;
  urn: string;
  id?: string;
  inputs?: Record<string, any>;
  outputs?: Record<string, any>;
}
const TYPE = /^pulumi-nodejs:dynamic\/netns-lab:(\w+)$/;

describe.each([
  ["upgrade-curo", { "netns-lab:lab": "curo", "netns-lab:mode": "kernel" }, ["host1", "192.168.2.2"], true],
  ["upgrade-chain", { "netns-lab:lab": "chain", "netns-lab:routers": "3" }, ["h1", "10.0.3.2"], false],
  ["upgrade-curo-nat", { "netns-lab:lab": "curo-nat", "netns-lab:mode": "kernel" }, ["host3", "192.168.2.2"], false],
] as const)("%s, recorded by an earlier release", (stackName, config, [from, to], newHosts) => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);

  test("preview: no replace, provider-only updates; refresh: no change; up; then path-free and no change; pings; destroy: nothing left", async () => {
    const text = fs.readFileSync(path.join(REPO, "test", "fixtures", "upgrade", `${stackName}.json`), "utf8");
    const state = JSON.parse(text.replaceAll("@@CHECKOUT@@", REPO).replaceAll("nltupgrade-", prefix));
    const resources: Res[] = state.deployment.resources;
    const custom = resources.filter((r) => TYPE.test(r.type));
    expect(custom.length).toBeGreaterThan(10);
    // Recorded in the old form: the closure serializer's text, naming this checkout's path.
    expect(custom.every((r) => r.inputs!.__provider.includes(`${REPO}/dist/provider/runtime.js`))).toBe(true);

    // The kernel objects the recorded stack owns, made again (state order is dependency order);
    // what the kernel assigns anew (inodes, ifindexes, random MACs) is written into the state.
    for (const r of custom) {
      const kind = TYPE.exec(r.type)![1];
      const { outs } = await (kinds as unknown as Record<string, Provider>)[kind].create(r.inputs!);
      for (const k of ["inode", "ifindex", "peerIfindex", "mac", "peerMac", "operstate"]) if (k in r.outputs! && !(k in r.inputs!)) r.outputs![k] = outs[k];
      if (kind === "VethLink" && r.inputs!.mac === undefined) r.outputs!.mac = outs.mac;
      if (kind === "VethLink" && r.inputs!.peerMac === undefined) r.outputs!.peerMac = outs.peerMac;
    }

    const t = lab.track(await openStack(labsDir(), stackName, { ...config, "netns-lab:prefix": prefix }));
    await t.stack.importStack(state);

    const p = await previewSteps(t.stack);
    // New since 0ff8a44: a hosts file per node (the curo lab; the chain writes none).
    const nodes = newHosts ? resources.filter((r) => r.type.endsWith(":NetNamespace")).map((r) => r.urn.split("::").pop()) : [];
    expect(Object.keys(p.byOp).sort()).toEqual(newHosts ? ["create", "same", "update"] : ["same", "update"]);
    expect((p.byOp.create ?? []).sort()).toEqual(nodes.map((n) => `${n}-hosts`).sort());
    // Every recorded kernel resource is updated, in its provider line only (and a route table's
    // routes from objects to the same routes as texts); the components stay.
    expect(p.byOp.update.sort()).toEqual(custom.map((r) => r.urn.split("::").pop()).sort());
    for (const [name, keys] of Object.entries(p.diffs)) {
      expect([name, keys.filter((k) => k !== "routes")]).toEqual([name, ["__provider"]]);
      if (keys.includes("routes")) {
        const { old, new: next } = p.inputs[name];
        expect(old.routes.map((r: RouteSpec) => routeToText(r))).toEqual(next.routes);
      }
    }
    expect(p.byOp.same.length).toBe(resources.filter((r) => r.type.startsWith("netns-lab:")).length);

    const refresh = await t.stack.refresh();
    expect(refresh.summary.resourceChanges).toEqual({ same: expect.any(Number) });

    const up = await t.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: expect.any(Number), update: custom.length, ...(newHosts ? { create: nodes.length } : {}) });
    expect(pings(`${prefix}${from}`, to)).toBe(true);

    // The new form: one line per kind, nothing of this machine's paths; and nothing more to do.
    // (The stack resource's own trace names the SDK's files, which the test's project links from the
    // checkout, as in user-lab.test.ts: the lab's resources are what must hold no path.)
    const after = JSON.stringify((await t.stack.exportStack()).deployment.resources.filter((r: { type: string }) => r.type !== "pulumi:pulumi:Stack"));
    expect(after).not.toContain(REPO);
    expect(Object.keys((await previewSteps(t.stack)).byOp)).toEqual(["same"]);

    await t.stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  });
});
