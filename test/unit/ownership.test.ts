// Markers and claims (provider/ownership.ts): the one place that knows what ours looks like.
import { claim, ClaimedError, marker, NotOursError, ownerIn, refuse, sameStack } from "../../provider/ownership";

const me = "proj/stack/host1";

test("a marker is the owner behind the netns-lab prefix, and reads back", () => {
  expect(marker(me)).toBe("netns-lab:proj/stack/host1");
  expect(ownerIn(marker(me))).toBe(me);
  expect(ownerIn("something else")).toBeUndefined();
  expect(ownerIn(undefined)).toBeUndefined();
});

test.each([
  [null, "absent"],
  [marker(me), "ours"],
  [marker("proj/stack/router1"), "stack"],
  [marker("proj/other/host1"), "foreign"],
  [marker("other/stack/host1"), "foreign"],
  [undefined, "foreign"],
  ["eth0 uplink", "foreign"],
] as const)("found %j -> %s", (found, want) => expect(claim(found, me)).toBe(want));

test("sameStack: this resource or another of the same stack", () => {
  expect(sameStack(marker(me), me)).toBe(true);
  expect(sameStack(marker("proj/stack/x"), me)).toBe(true);
  expect(sameStack(marker("proj/stack2/x"), me)).toBe(false);
  expect(sameStack(undefined, me)).toBe(false);
});

describe("refusals are typed and say what to do", () => {
  test("foreign: NotOursError names the object, the marker and the way out", () => {
    const e = (() => { try { refuse("foreign", { what: 'network namespace "x"', found: "netns-lab:a/b/c", hint: "Remove it yourself." }); } catch (err) { return err; } })();
    expect(e).toBeInstanceOf(NotOursError);
    expect((e as Error).message).toBe('network namespace "x" already exists and is not owned by this stack (its marker is "netns-lab:a/b/c"): netns-lab will not adopt or delete it. Remove it yourself.');
  });
  test("unmarked objects say so", () => {
    expect(() => refuse("foreign", { what: 'interface "eth0"', where: 'in namespace "h1"' })).toThrow(
      'interface "eth0" already exists in namespace "h1" and is not owned by this stack (it carries no netns-lab marker)');
  });
  test("stack: ClaimedError names the other resource", () => {
    expect(() => refuse("stack", { what: 'interface "eth0"', where: 'in namespace "h1"', found: marker("proj/stack/other") })).toThrow(ClaimedError);
    expect(() => refuse("stack", { what: 'interface "eth0"', found: marker("proj/stack/other") })).toThrow(/made by another resource of this stack \(proj\/stack\/other\)/);
  });
  test.each(["ours", "absent"] as const)("%s is no refusal", (c) => expect(() => refuse(c, { what: "x" })).not.toThrow());
});
