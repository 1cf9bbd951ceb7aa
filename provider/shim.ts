/**
 * What Pulumi stores of each resource's provider (`__provider`, in the inputs and the outputs of
 * every resource in the state): one line that loads the kind from the netns-lab package by name when
 * the dynamic-provider process needs it. So the state holds no path of this machine (a checkout moved
 * or reinstalled elsewhere still refreshes and destroys its stacks), costs ~80 bytes per copy instead
 * of the closure serializer's ~2.4 KB, and refresh and destroy always run the current code.
 *
 * The dynamic-provider process resolves the name from the program's directory: a lab program has
 * netns-lab among its dependencies (the template does), and the checkout links itself as
 * node_modules/netns-lab (`make npm`) for its own stacks and tests.
 */
import * as path from "path";

/** The module the stored line requires: the compiled registry of kinds (runtime.ts). */
export const PROVIDER_MODULE = "netns-lab/dist/provider/runtime";

/** The `__provider` text of a kind: a module whose handler() is the kind's provider. */
export const providerText = (kind: string): string =>
  `exports.handler=()=>require(${JSON.stringify(PROVIDER_MODULE)}).kind(${JSON.stringify(kind)})`;

/**
 * Whether a stored `__provider` differs from the one this release writes: an older release's
 * (the closure-serialized form, holding the checkout's path). The next `up` rewrites it with an
 * in-place update that changes nothing in the kernel.
 */
export function providerChanged(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  const [o, n] = [olds.__provider, news.__provider];
  return typeof o === "string" && typeof n === "string" && o !== n && n.startsWith("exports.handler=");
}

/**
 * The call stack the SDK records with every resource (`sourcePosition`, `stackTrace` in the state):
 * by default every frame, ts-node's and the SDK's included, mapped through source maps — about 800
 * bytes per resource and a source-map lookup per frame. Installed just before a resource's
 * registration, this keeps only the innermost frame of the lab program itself (not netns-lab's
 * library, not node_modules): the user's line that declared the resource. It formats only the SDK's own capture
 * (made in `Resource.callsites`), once, then puts the previous handler back; any other error's stack
 * is formatted as before. The returned function restores the handler in any case.
 */
export function programStack(): () => void {
  const saved = Error.prepareStackTrace;
  const restore = () => {
    if (Error.prepareStackTrace === mine) Error.prepareStackTrace = saved;
  };
  const format = (err: Error, sites: NodeJS.CallSite[]) =>
    saved ? String(saved(err, sites)) : [String(err), ...sites.map((s) => `    at ${s}`)].join("\n");
  const mine = (err: Error, sites: NodeJS.CallSite[]): string => {
    if (sites[0]?.getFunctionName() !== "callsites") return format(err, sites);
    restore();
    const own = sites
      .filter((s) => {
        const f = s.getFileName() ?? "";
        return f.startsWith("/") && !f.includes("/node_modules/") && !LIBRARY.some((dir) => f.startsWith(dir));
      })
      .slice(0, 1);
    // An anonymous function's frame reads "at file:line:col", which the SDK does not parse: name it.
    const [head, ...frames] = format(err, own)
      .split("\n")
      .map((l) => l.replace(/^(\s*at )([^()]*:\d+:\d+)$/, "$1<anonymous> ($2)"));
    // The SDK drops its first frames itself (Resource.stackTrace(4): callsites, stackTrace, three constructors).
    return [head, ...Array(5).fill("    at pad (node:netns-lab:1:1)"), ...frames].join("\n");
  };
  Error.prepareStackTrace = mine;
  return restore;
}

/** netns-lab's own code, source or compiled, whose frames the state's stack traces leave out. */
const ROOT = path.resolve(__dirname, path.basename(path.dirname(__dirname)) === "dist" ? "../.." : "..");
const LIBRARY = [path.join(ROOT, "provider") + path.sep, path.join(ROOT, "dist") + path.sep];
