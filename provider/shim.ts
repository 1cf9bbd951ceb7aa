/**
 * The part of each provider that Pulumi serializes into the state: a few lines per method that load
 * the real implementation (dist/provider/runtime.js) at run time and call it. Keeping it this thin
 * keeps the state small and lets `refresh` and `destroy` run the current netns-lab code.
 */
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";

/** Where the compiled implementation lives, whether this file runs from source (ts-node) or dist. */
export function runtimePath(): string {
  // From dist/provider/shim.js: dist/provider/runtime.js. From provider/shim.ts: <pkg>/dist/provider/runtime.js.
  const compiled = path.join(__dirname, "runtime.js");
  if (fs.existsSync(compiled) && __filename.endsWith(".js")) return compiled;
  return path.resolve(__dirname, "..", "dist", "provider", "runtime.js");
}

const providers = new Map<string, pulumi.dynamic.ResourceProvider>();

/** One provider object per kind, shared by all resources of that kind (one serialization each). */
export function providerFor(kind: string): pulumi.dynamic.ResourceProvider {
  const existing = providers.get(kind);
  if (existing) return existing;
  const impl = runtimePath();
  const p: pulumi.dynamic.ResourceProvider = fs.existsSync(impl)
    ? {
        check: (olds, news) => require(impl).kind(kind).check(olds, news),
        diff: (id, olds, news) => require(impl).kind(kind).diff(id, olds, news),
        create: (inputs) => require(impl).kind(kind).create(inputs),
        read: (id, props) => require(impl).kind(kind).read(id, props),
        update: (id, olds, news) => require(impl).kind(kind).update(id, olds, news),
        delete: (id, props) => require(impl).kind(kind).delete(id, props),
      }
    : notBuilt(`netns-lab is not built: ${impl} is missing. Run \`make build\` in ${path.resolve(path.dirname(impl), "..", "..")}.`);
  providers.set(kind, p);
  return p;
}

/** A provider that says what to do on every call (a program may be declared, e.g. under mocks, before a build). */
function notBuilt(message: string): pulumi.dynamic.ResourceProvider {
  const fail = async (): Promise<never> => {
    throw new Error(message);
  };
  return { check: fail, diff: fail, create: fail, read: fail, update: fail, delete: fail };
}
