// The kind template's declarations: every input of every kind either replaces or updates in place.
import { kinds } from "../../provider/runtime";

describe.each(Object.entries(kinds))("%s", (_name, kind) => {
  const k = kind as unknown as { def: { inputs: object; outputs: object; replaceOn: string[]; inPlace: string[] } };
  const inputs = Object.keys(k.def.inputs);
  test("each input is in exactly one of replaceOn and inPlace", () => {
    for (const f of inputs) expect([k.def.replaceOn.includes(f), k.def.inPlace.includes(f)].filter(Boolean)).toHaveLength(1);
    for (const f of [...k.def.replaceOn, ...k.def.inPlace]) expect(inputs).toContain(f);
  });
  test("inputs and outputs do not overlap", () => {
    for (const f of Object.keys(k.def.outputs)) expect(inputs).not.toContain(f);
  });
});
