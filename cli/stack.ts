/** What the CLI learns through the engine: the lab description a stack exports, and its resources. */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { DESCRIBE_TO_ENV, LabDescription } from "../provider/components/description";
import { Options, PKG, UsageError } from "./args";
import { labFromResources } from "./fromstate";

const execFileP = promisify(execFile);

async function pulumi(o: Options, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout } = await execFileP(path.join(PKG, "bin", "pulumi"), [...args, ...(o.stack ? ["--stack", o.stack] : [])], {
      cwd: o.cwd,
      env,
      maxBuffer: 1 << 28,
    });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const msg = (err.stderr || err.message).trim().split("\n").slice(-3).join("\n");
    throw new UsageError(`pulumi ${args[0]} ${args[1] ?? ""} failed${o.stack ? ` for stack ${o.stack}` : ""}: ${msg}`);
  }
}

/**
 * The lab as the deployed stack describes it (the `description` a Lab exports), or, for a program
 * that exports none (raw resources), as its resources say (fromstate.ts).
 */
export async function deployedLab(o: Options): Promise<LabDescription> {
  const out = JSON.parse(await pulumi(o, ["stack", "output", "--json"]));
  if (out.description) return out.description as LabDescription;
  const resources = await stackResources(o);
  if (!resources.length) {
    throw new UsageError(`stack ${o.stack ?? "(selected)"} is not up (it holds no netns-lab resource): run \`make up\` (or bin/pulumi up)`);
  }
  return labFromResources(o.stack ?? "lab", resources);
}

/** The lab as the program would make it, without deploying anything (see DESCRIBE_TO_ENV). */
export async function previewLab(o: Options): Promise<LabDescription> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-describe-"));
  const file = path.join(dir, "lab.json");
  try {
    await pulumi(o, ["preview"], { ...process.env, [DESCRIBE_TO_ENV]: file });
    if (!fs.existsSync(file)) throw new UsageError("the program builds no Lab (or never calls lab.describe()): nothing to draw");
    return JSON.parse(fs.readFileSync(file, "utf8")) as LabDescription;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A step of the program's next change, as `pulumi preview --json` lists it (netns-lab resources and components). */
export interface PreviewStep {
  op: string;
  /** The resource's name. */
  name: string;
  /** Its kind (VethLink …), or the component's type. */
  kind: string;
  /** Its inputs, new (or old, for a delete). */
  inputs: Record<string, any>;
}

/** What `pulumi preview` would do now (the program as it is, with the stack's config): its steps, and the engine's counts. */
export async function previewChange(o: Options): Promise<{ steps: PreviewStep[]; counts: Record<string, number> }> {
  const j = JSON.parse(await pulumi(o, ["preview", "--json"])) as { steps?: Array<{ op: string; urn: string; newState?: { type: string; inputs?: object }; oldState?: { type: string; inputs?: object } }>; changeSummary?: Record<string, number> };
  const steps = (j.steps ?? []).flatMap((st) => {
    const state = st.newState ?? st.oldState;
    if (!state || state.type === "pulumi:pulumi:Stack" || state.type.startsWith("pulumi:providers:")) return [];
    const m = TYPE.exec(state.type);
    return [{ op: st.op, name: st.urn.split("::").pop()!, kind: m ? m[1] : state.type, inputs: (state.inputs ?? {}) as Record<string, any> }];
  });
  return { steps, counts: j.changeSummary ?? {} };
}

/** A netns-lab resource as the state holds it. */
export interface StateResource {
  kind: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
  outputs: Record<string, any>;
}

const TYPE = /^pulumi-nodejs:dynamic\/netns-lab:(\w+)$/;

/** The stack's netns-lab resources (from `pulumi stack export`). */
export async function stackResources(o: Options): Promise<StateResource[]> {
  const state = JSON.parse(await pulumi(o, ["stack", "export"]));
  const resources = (state.deployment?.resources ?? []) as Array<{ type: string; urn: string; id?: string; inputs?: object; outputs?: object }>;
  return resources.flatMap((r) => {
    const m = TYPE.exec(r.type);
    return m && r.id ? [{ kind: m[1], name: r.urn.split("::").pop()!, id: r.id, inputs: r.inputs ?? {}, outputs: r.outputs ?? {} }] : [];
  });
}
