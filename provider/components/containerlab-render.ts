/**
 * A containerlab topology file rendered as containerlab renders it before reading it as YAML: a Go
 * text/template with containerlab's functions and sub-templates (clab_templates/*.gotmpl), its vars
 * files (given, or found beside it as `<file without its last extension>_vars.*`), then its
 * environment variables expanded. The rendering is Go's own, by the small helper clab-render/
 * (clab-render/main.go says each rule), built on first use like the engine and cached beside it.
 *
 * A file with no template action (`{{`) and no `$`, given no vars files and having none beside it,
 * renders as itself: it is returned without the helper (no Go needed for plain files).
 */
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";

/** The package's root: the nearest directory above this module holding clab-render/ (dist/provider/components or provider/components). */
function packageRoot(): string {
  for (let d = __dirname; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "clab-render", "build.sh"))) return d;
    if (path.dirname(d) === d) throw new Error(`clab-render/build.sh not found above ${__dirname}: netns-lab's package is incomplete`);
  }
}

/** The vars files containerlab reads for `file` when none are given: `<name without last ext>_vars.*` (.yaml, .yml, .json), in name order. */
export function varsFilesBeside(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const stem = base.slice(0, base.length - path.extname(base).length) + "_vars.";
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(stem) && [".yaml", ".yml", ".json"].includes(path.extname(n)))
    .sort()
    .map((n) => path.join(dir, n));
}

/** Does rendering `text` (with `vars`) need the helper, or is it the text itself? */
export function needsRendering(text: string, file: string, vars: string[] = []): boolean {
  return text.includes("{{") || text.includes("$") || vars.length > 0 || varsFilesBeside(file).length > 0 || fs.existsSync(path.join(path.dirname(file), "clab_templates"));
}

/** The helper's path (built and cached by clab-render/build.sh on first use; NETNS_LAB_CLAB_RENDER overrides). */
export function clabRenderCommand(): string {
  if (process.env.NETNS_LAB_CLAB_RENDER) return process.env.NETNS_LAB_CLAB_RENDER;
  const script = path.join(packageRoot(), "clab-render", "build.sh");
  try {
    return execFileSync(script, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`containerlab's templates are rendered by Go's text/template (clab-render/build.sh builds the helper once): ${(err.stderr || err.message).trim()}`);
  }
}

/**
 * The topology file's text as containerlab reads it. `vars`: vars files, merged in order (relative to
 * the working directory, as containerlab's --vars); none: those beside the file. Errors name the file.
 */
export function renderContainerlab(file: string, vars: string[] = []): string {
  const abs = path.resolve(file);
  const text = fs.readFileSync(abs, "utf8");
  if (!needsRendering(text, abs, vars)) return text;
  const args = vars.flatMap((v) => ["--vars", path.resolve(v)]);
  try {
    return execFileSync(clabRenderCommand(), [...args, abs], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string; status?: number };
    if (err.status === 1 && err.stderr) throw new Error(`${file}: rendering as containerlab does (Go template, vars, environment): ${err.stderr.trim()}`);
    throw e;
  }
}
