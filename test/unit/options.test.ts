// #35 item 1: a misspelled component option is refused at run time (programs are transpiled, not
// type-checked), naming it and the closest known one. The lists of known options are the option
// interfaces' own properties: checked here against the interfaces with TypeScript's compiler.
import * as path from "path";
import * as ts from "typescript";
import { checkOptions, closest, OPTION_KEYS, RESOURCE_OPTIONS } from "../../provider/components/options";
import { Lab } from "../../provider/components/lab";

const REPO = path.resolve(__dirname, "..", "..");

test("each list of known options is its interface's properties, and the Lab's resource options Pulumi's", () => {
  const prog = ts.createProgram([path.join(REPO, "provider", "index.ts")], { strict: true, noEmit: true });
  const checker = prog.getTypeChecker();
  const found: Record<string, string[]> = {};
  for (const sf of prog.getSourceFiles()) {
    const ours = sf.fileName.includes("/provider/components/");
    const pulumiResource = sf.fileName.endsWith("@pulumi/pulumi/resource.d.ts");
    if (!ours && !pulumiResource) continue;
    ts.forEachChild(sf, (n) => {
      if (!ts.isInterfaceDeclaration(n)) return;
      const name = n.name.text;
      if ((ours && name in OPTION_KEYS) || (pulumiResource && name === "ComponentResourceOptions")) {
        found[name] = checker.getPropertiesOfType(checker.getTypeAtLocation(n)).map((p) => p.name).sort();
      }
    });
  }
  for (const [name, keys] of Object.entries(OPTION_KEYS)) expect([name, [...keys].sort()]).toEqual([name, found[name]]);
  expect([...RESOURCE_OPTIONS].sort()).toEqual(found.ComponentResourceOptions);
});

test.each([
  ["adresses", ["addresses", "names"], "addresses"],
  ["Addresses", ["addresses"], "addresses"],
  ["mut", ["mtu", "macs"], "mtu"],
  ["namespacePrefx", ["namespacePrefix"], "namespacePrefix"],
  ["colour", ["addresses", "mtu"], undefined],
])("closest(%s) is %s's %s", (name, known, want) => {
  expect(closest(name, known)).toBe(want);
});

test.each([
  ["a misspelled option", { adresses: ["10.0.0.1/24"] }, 'lab.link(h1, r1): unknown option "adresses" (did you mean "addresses"?); LinkOptions has addresses, names'],
  ["two of them", { mut: 1400, adresess: [] }, 'lab.link(h1, r1): unknown option "mut" (did you mean "mtu"?), unknown option "adresess" (did you mean "addresses"?); LinkOptions has'],
  ["a list instead", [1, 2], "lab.link(h1, r1): its options are an object (LinkOptions), not a list"],
])("checkOptions refuses %s", (_what, given, message) => {
  expect(() => checkOptions("lab.link(h1, r1)", "LinkOptions", given)).toThrow(message);
});

test("an option like none known (passed on from a caller's own options): a warning, not a refusal", () => {
  const warn = jest.spyOn(require("@pulumi/pulumi").log, "warn").mockImplementation(() => Promise.resolve());
  try {
    expect(() => checkOptions('new Lab("o")', "LabOptions", { namespacePrefix: "x-", runDir: "/run/x", down: [] }, RESOURCE_OPTIONS)).not.toThrow();
    expect(warn).toHaveBeenCalledWith('new Lab("o"): "runDir", "down": not LabOptions: ignored (LabOptions has namespacePrefix, addressOverrides, hosts, supersede and Pulumi\'s resource options)');
  } finally {
    warn.mockRestore();
  }
});

test("the components refuse unknown options before declaring anything, and take the known ones", () => {
  expect(() => new Lab("o", { namespacePrefx: "x-" } as never)).toThrow('new Lab("o"): unknown option "namespacePrefx" (did you mean "namespacePrefix"?)');
  // The Lab takes Pulumi's resource options beside its own.
  expect(() => checkOptions('new Lab("o")', "LabOptions", { namespacePrefix: "x-", protect: false, dependsOn: [] }, RESOURCE_OPTIONS)).not.toThrow();
  expect(() => checkOptions('lab.host("h")', "NodeOptions", { namespace: "n", machine: undefined })).not.toThrow();
  expect(() => checkOptions('lab.host("h") filesystem', "NodeFilesystemOptions", { binds: [], hostnme: true })).toThrow('unknown option "hostnme" (did you mean "hostname"?)');
});
