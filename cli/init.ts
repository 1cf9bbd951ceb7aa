/**
 * `netns-lab init`: a new lab project in the current directory from the template (templates/lab),
 * for a project that installed netns-lab as a package (`npm install netns-lab-<version>.tgz`):
 * the template's files, and package.json given what they need — `main`, `npm test`, and the
 * dependencies, netns-lab's as the project already has it (else `^<version>`), never a path into
 * a checkout. (`pulumi new <checkout>/templates/lab` remains the way from a checkout.)
 */
import * as fs from "fs";
import * as path from "path";
import { PKG, UsageError } from "./args";

const TEMPLATE = path.join(PKG, "templates", "lab");
/** The template's own files, as `pulumi new` would copy them (package.json merged instead). */
const FILES = ["Pulumi.yaml", "index.ts", "lab.ts", "lab.test.ts", "jest.config.js", "tsconfig.json"];

export interface InitResult {
  written: string[];
  /** Dependencies package.json did not have: `npm install` them. */
  added: string[];
}

/** A Pulumi project name from a directory name. */
export const projectNameOf = (dir: string): string =>
  path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "") || "lab";

export function init(dir: string, opts: { name?: string } = {}): InitResult {
  const name = opts.name ?? projectNameOf(dir);
  const taken = FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  if (taken.length) throw new UsageError(`init: ${taken.join(", ")} already there in ${dir}: run it in a new directory (nothing was written)`);
  const version = JSON.parse(fs.readFileSync(path.join(PKG, "package.json"), "utf8")).version as string;
  const tpl = JSON.parse(fs.readFileSync(path.join(TEMPLATE, "package.json"), "utf8"));
  const file = path.join(dir, "package.json");
  const pkg = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { name, private: true };
  const added: string[] = [];
  pkg.main = "index.ts";
  pkg.scripts = { ...(pkg.scripts ?? {}) };
  if (!pkg.scripts.test || /no test specified/.test(pkg.scripts.test)) pkg.scripts.test = tpl.scripts.test;
  // Programs are transpiled, not type-checked, when they run: the check is its own step (and npm test's first).
  pkg.scripts.typecheck ??= tpl.scripts.typecheck;
  for (const section of ["dependencies", "devDependencies"] as const) {
    for (const [dep, spec] of Object.entries(tpl[section] as Record<string, string>)) {
      if (pkg.dependencies?.[dep] || pkg.devDependencies?.[dep]) continue;
      pkg[section] = { ...(pkg[section] ?? {}), [dep]: dep === "netns-lab" ? `^${version}` : spec };
      added.push(dep);
    }
  }
  const written: string[] = [];
  for (const f of FILES) {
    let text = fs.readFileSync(path.join(TEMPLATE, f), "utf8");
    if (f === "Pulumi.yaml") {
      // What `pulumi new` does: the project's name and description in, the template's section out.
      text = text.replace("${PROJECT}", name).replace("${DESCRIPTION}", "A netns-lab network lab").replace(/\ntemplate:[\s\S]*$/, "\n");
    }
    fs.writeFileSync(path.join(dir, f), text);
    written.push(f);
  }
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
  written.push("package.json");
  return { written, added };
}
