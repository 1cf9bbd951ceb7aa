// netlab's transformation is reused while what it reads is unchanged (#31 item 8: a no-change up of
// the 306-node lab ran netlab again, 23 s). Each case changes one thing and checks whether the key
// of what netlab reads changed with it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { transformInputs } from "../../provider/components/netlab-run";

let dir: string;
let netlab: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-unit-inputs-"));
  netlab = path.join(dir, "bin-netlab");
  fs.writeFileSync(netlab, "#!/bin/sh\n");
  fs.mkdirSync(path.join(dir, "topo", "node_modules"), { recursive: true });
  fs.writeFileSync(path.join(dir, "topo", "topology.yml"), "nodes: [ r1, r2 ]\nlinks: [ r1-r2 ]\n");
  fs.writeFileSync(path.join(dir, "topo", "defaults.yml"), "device: frr\n");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

// The environment: HOME (where ~/.netlab.yml is) and what a case adds.
const key = (o: { device?: string; env?: NodeJS.ProcessEnv; work?: string } = {}) =>
  transformInputs(netlab, path.join(dir, "topo", "topology.yml"), o.work ?? path.join(dir, "work"), o.device, { HOME: dir, ...o.env });

const cases: Array<[string, () => void, { device?: string; env?: NodeJS.ProcessEnv; work?: string } | undefined, boolean]> = [
  // [what, the change, the key's options after it, whether the key changes]
  ["nothing changed", () => undefined, undefined, false],
  ["the topology edited", () => fs.appendFileSync(path.join(dir, "topo", "topology.yml"), "# cost\n"), undefined, true],
  ["a file beside it (netlab reads defaults.yml there)", () => fs.writeFileSync(path.join(dir, "topo", "defaults.yml"), "device: linux\n"), undefined, true],
  ["a new file in a subdirectory (a plugin, a template)", () => (fs.mkdirSync(path.join(dir, "topo", "x")), fs.writeFileSync(path.join(dir, "topo", "x", "plugin.py"), "")), undefined, true],
  ["the user's ~/.netlab.yml", () => fs.writeFileSync(path.join(dir, ".netlab.yml"), "defaults.device: frr\n"), undefined, true],
  ["a NETLAB_ variable", () => undefined, { env: { NETLAB_DEVICE: "linux" } }, true],
  ["another variable", () => undefined, { env: { OTHER: "1" } }, false],
  ["the device option", () => undefined, { device: "linux" }, true],
  ["netlab itself", () => fs.appendFileSync(netlab, "# another\n"), undefined, true],
  ["what netlab create wrote when the user ran it there (node_files, clab.yml, its snapshot)", () => (fs.mkdirSync(path.join(dir, "topo", "node_files", "r1"), { recursive: true }), fs.writeFileSync(path.join(dir, "topo", "node_files", "r1", "initial"), "x"), fs.writeFileSync(path.join(dir, "topo", "clab.yml"), "x"), fs.writeFileSync(path.join(dir, "topo", "netlab.snapshot.pickle"), "x")), undefined, false],
  ["node_modules (netlab never reads it)", () => fs.writeFileSync(path.join(dir, "topo", "node_modules", "x.js"), "1"), undefined, false],
  ["the work directory inside the topology's (netlab's own output)", () => (fs.mkdirSync(path.join(dir, "topo", "work")), fs.writeFileSync(path.join(dir, "topo", "work", "netlab.json"), "{}")), { work: "topo/work" }, false],
];
test.each(cases)("%s", (_what, change, o, changed) => {
  const work = o?.work ? path.join(dir, o.work) : undefined;
  const before = key({ work });
  change();
  const after = key({ ...o, work });
  expect(before).toBeDefined();
  expect(after !== before).toBe(changed);
});

test("a directory of more than 2,000 files: no reuse (undefined), netlab runs every time", () => {
  for (let i = 0; i < 2001; i++) fs.writeFileSync(path.join(dir, "topo", `f${i}`), "");
  expect(key()).toBeUndefined();
});
