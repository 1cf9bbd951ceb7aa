// The tests our patches of the pinned engine carry (engine/patches/*.patch adds TestNetnsLab* Go
// tests beside the code it changes), run by `engine/build.sh --test` on a patched copy of pkg/v3
// with the build's flags. backend-group-commit.patch: the state's saves grouped, none of a caller's
// mutations answered before a save that holds it, one save per mutation with NETNS_LAB_GROUP_COMMIT=0.
import { spawnSync } from "child_process";
import * as path from "path";

const REPO = path.resolve(__dirname, "..", "..");

test("the engine patches' own Go tests pass", () => {
  const r = spawnSync("bash", [path.join(REPO, "engine", "build.sh"), "--test"], { encoding: "utf8" });
  const out = `${r.stdout}\n${r.stderr}`;
  expect({ status: r.status, tail: out.trim().split("\n").slice(-12).join("\n") }).toEqual({ status: 0, tail: expect.stringContaining("ok  \tgithub.com/pulumi/pulumi/pkg/v3/backend") });
  expect(out).toContain("--- PASS: TestNetnsLabGroupCommit/grouped");
  expect(out).toContain("--- PASS: TestNetnsLabGroupCommit/NETNS_LAB_GROUP_COMMIT=0");
}, 600_000);
