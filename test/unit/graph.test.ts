// The CLI's drawing and argument handling: pure functions, no engine, no kernel.
import { parseArgs } from "../../cli/args";
import { dot, mermaid } from "../../cli/graph";
import type { LabDescription } from "../../provider/components";

const lab: LabDescription = {
  name: "t",
  nodes: [
    { name: "h1", role: "host", namespace: "p-h1", interfaces: [{ name: "h1-r1", peer: "r1", address: "10.1.2.3/16" }] },
    { name: "r1", role: "router", namespace: "p-r1", interfaces: [{ name: "r1-h1", peer: "h1" }] },
  ],
  links: [{ name: "h1-r1", ends: [{ node: "h1", interface: "h1-r1", address: "10.1.2.3/16" }, { node: "r1", interface: "r1-h1" }] }],
};

test("DOT: roles as shapes, one label per cable with both ends and the subnet, escaped newlines", () => {
  const d = dot(lab);
  expect(d).toContain('"h1" [label="h1\\nhost", shape=box, tooltip="p-h1"];');
  expect(d).toContain('"r1" [label="r1\\nrouter", shape=ellipse, tooltip="p-r1"];');
  expect(d).toContain('"h1" -- "r1" [label="h1-r1 10.1.2.3/16\\n[ 10.1.0.0/16 ]\\nr1-h1 (no address)"];');
  expect(d).not.toMatch(/label="[^"]*\n/); // a raw newline inside a quoted DOT string would be a bug
});

test("Mermaid: hosts as boxes, routers as circles", () => {
  const m = mermaid(lab);
  expect(m).toContain('h1["h1<br/>host"]');
  expect(m).toContain('r1(("r1<br/>router"))');
  expect(m).toContain('h1 ---|"h1-r1 10.1.2.3/16<br/>10.1.0.0/16<br/>r1-h1 -"| r1');
});

test("arguments: options anywhere before --, the command after it untouched", () => {
  const o = parseArgs(["host1", "--stack", "s1", "--", "ping", "--stack", "x"]);
  expect(o.stack).toBe("s1");
  expect(o.rest).toEqual(["host1", "--", "ping", "--stack", "x"]);
  expect(parseArgs(["--expect=a!b", "--expect", "c!d"]).expect).toEqual(["a!b", "c!d"]);
  expect(parseArgs(["--preview", "--format", "dot"])).toMatchObject({ preview: true, format: "dot" });
  expect(parseArgs([])).toMatchObject({ preview: false, format: "mermaid", expect: [] });
  expect(() => parseArgs(["--stack"])).toThrow(/--stack needs a value/);
  expect(() => parseArgs(["--colour", "red"])).toThrow(/Unknown option '--colour'/);
});
