// Upgrade safety, after Pulumi's providertest: stacks recorded by the release before the kind
// template (test/fixtures/upgrade, made by record.sh at 0ff8a44) are taken over by this code. Their
// kernel objects are made again under the recorded names and markers, the recorded state is
// imported, and then: preview shows no replace and no update (only the hosts files the lab writes
// since, created), refresh finds nothing changed, up adds just those and the lab works, destroy
// leaves nothing.
import * as fs from "fs";
import * as path from "path";
import { kinds } from "../../provider/runtime";
import type { Provider } from "../../provider/kinds/kind";
import { cleanupAfterAll, openStack, previewSteps, REPO } from "../support/engine";
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
] as const)("%s, recorded by the previous release", (stackName, config, [from, to], hosts) => {
  const prefix = uniquePrefix();
  const lab = cleanupAfterAll(prefix);

  test("preview: no replace, no update; refresh: no change; up: no change, pings; destroy: nothing left", async () => {
    const text = fs.readFileSync(path.join(REPO, "test", "fixtures", "upgrade", `${stackName}.json`), "utf8");
    const state = JSON.parse(text.replaceAll("@@CHECKOUT@@", REPO).replaceAll("nltupgrade-", prefix));
    const resources: Res[] = state.deployment.resources;
    expect(resources.filter((r) => TYPE.test(r.type)).length).toBeGreaterThan(10);

    // The kernel objects the recorded stack owns, made again (state order is dependency order);
    // what the kernel assigns anew (inodes, ifindexes, random MACs) is written into the state.
    for (const r of resources) {
      const m = TYPE.exec(r.type);
      if (!m) continue;
      const { outs } = await (kinds as unknown as Record<string, Provider>)[m[1]].create(r.inputs!);
      for (const k of ["inode", "ifindex", "peerIfindex", "mac", "peerMac", "operstate"]) if (k in r.outputs! && !(k in r.inputs!)) r.outputs![k] = outs[k];
      if (m[1] === "VethLink" && r.inputs!.mac === undefined) r.outputs!.mac = outs.mac;
      if (m[1] === "VethLink" && r.inputs!.peerMac === undefined) r.outputs!.peerMac = outs.peerMac;
    }

    const t = lab.track(await openStack(REPO, stackName, { ...config, "netns-lab:prefix": prefix }));
    await t.stack.importStack(state);

    const p = await previewSteps(t.stack);
    // New since: a hosts file per node (the curo lab; the chain writes none).
    const nodes = hosts ? resources.filter((r) => r.type.endsWith(":NetNamespace")).map((r) => r.urn.split("::").pop()) : [];
    expect(Object.keys(p.byOp).sort()).toEqual(hosts ? ["create", "same"] : ["same"]);
    expect((p.byOp.create ?? []).sort()).toEqual(nodes.map((n) => `${n}-hosts`).sort());
    // Every recorded lab resource (previewSteps leaves out the stack and the default provider).
    expect(p.byOp.same.length).toBe(resources.filter((r) => r.type.startsWith("netns-lab:") || TYPE.test(r.type)).length);

    const refresh = await t.stack.refresh();
    expect(refresh.summary.resourceChanges).toEqual({ same: expect.any(Number) });

    const up = await t.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: expect.any(Number), ...(hosts ? { create: nodes.length } : {}) });
    expect(pings(`${prefix}${from}`, to)).toBe(true);

    await t.stack.destroy();
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  });
});
