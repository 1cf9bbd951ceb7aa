// `npm test` (as root, or as any user: in the user's sandbox): the lab of lab.ts brought up in a stack of its own (netns-lab/testing), a
// ping through it, and nothing left afterwards — even when the test fails.
import { testLab } from "netns-lab/testing";
import { buildLab } from "./lab";

jest.setTimeout(300_000);

test("h1 reaches h2 through r1", async () => {
  const t = await testLab(({ prefix }) => buildLab(prefix));
  try {
    const ping = await t.exec("h1", ["ping", "-c", "1", "-W", "2", "10.0.2.2"]);
    expect(ping.code).toBe(0);
    // r1 is the gateway: h1 cannot reach h2's subnet without it.
    expect((await t.exec("h1", ["ip", "route", "get", "10.0.2.2"])).stdout).toContain("via 10.0.1.1");
  } finally {
    await t.destroy();
  }
});
