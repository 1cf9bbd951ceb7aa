// The provider through the real engine: up, an in-place MTU update, a namespace deleted by hand
// seen by refresh and repaired by up, and a destroy that leaves the kernel as it was.
import * as path from "path";
import { cleanupAfterAll, openStack, previewSteps, REPO } from "../support/engine";
import { namespaces, pings, sh, uniquePrefix } from "../support/names";

jest.setTimeout(300_000);

const prefix = uniquePrefix();
const lab = cleanupAfterAll(prefix);

test("up, MTU update in place, refresh after a namespace is deleted by hand, destroy", async () => {
  const before = namespaces();
  const { stack } = lab.track(await openStack(path.join(REPO, "test", "fixtures", "pair"), prefix.slice(0, -1), { prefix, mtu: "1500" }));

  const up = await stack.up();
  expect(up.summary.resourceChanges).toMatchObject({ create: 7 });
  expect(pings(`${prefix}left`, "10.99.0.2")).toBe(true);
  const ifindex = up.outputs.ifindex.value;

  // Nothing to do: the preview agrees.
  expect(Object.keys((await previewSteps(stack)).byOp)).toEqual(["same"]);

  // One input changes: exactly one update, applied in place.
  await stack.setConfig("mtu", { value: "9000" });
  const p = await previewSteps(stack);
  expect(p.byOp).toEqual({ same: expect.any(Array), update: ["link"] });
  const up2 = await stack.up();
  expect(up2.summary.resourceChanges).toMatchObject({ update: 1 });
  expect(up2.outputs.ifindex.value).toBe(ifindex);
  expect(JSON.parse(sh("ip", ["-j", "-n", `${prefix}right`, "link", "show", "right-left"]))[0].mtu).toBe(9000);

  // Someone deletes a namespace by hand: refresh notices, up rebuilds what went with it.
  sh("ip", ["netns", "del", `${prefix}right`]);
  const refresh = await stack.refresh();
  expect(refresh.summary.resourceChanges?.delete).toBeGreaterThanOrEqual(3); // namespace, link, address, forwarding
  const up3 = await stack.up();
  expect(up3.summary.resourceChanges?.create).toBeGreaterThanOrEqual(3);
  expect(pings(`${prefix}left`, "10.99.0.2")).toBe(true);

  await stack.destroy();
  expect(namespaces()).toEqual(before);
});
