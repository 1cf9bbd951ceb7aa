// Preloaded (node --require) into every program's process by netns-lab's language host (main.go
// embeds it) and into the dynamic-provider process the engine starts for netns-lab's resources
// (engine/pulumi-resource-pulumi-nodejs, beside which engine/build.sh keeps a copy).
//
// @pulumi/pulumi's runtime/index.js loads the closure serializer (which loads TypeScript's compiler)
// and the code-path walker (which loads npm's arborist) as soon as anything requires the runtime:
// ~0.35 s of the provider process's ~0.5 s start here and ~0.2 s of a program's, on the critical
// path of every command. The provider process never serializes a closure (its providers arrive as
// text, `__provider`, loaded with require-from-string); a program does only when it makes a dynamic
// provider of its own or packages code (computeCodePaths). So those two modules are loaded on their
// first call instead of at start: the same functions, the same results, only later. The SDK says as
// much itself (dynamic/index.js: "Load runtime/closure on demand, as its dependencies are slow to
// load"), but its runtime/index.js loads them eagerly anyway.
//
// Only for the SDK version whose exports are listed below (test/unit/lazyclosure.test.ts compares
// them with the real modules'); any other version loads as stock. NETNS_LAB_LAZY_CLOSURE=0 turns it off.
"use strict";
const Module = require("module");
const path = require("path");

const VERSION = "3.248.0";
const LAZY = {
  "closure/serializeClosure": ["serializeFunctionAsync", "serializeFunction"],
  "closure/codePaths": ["computeCodePaths", "findWorkspaceRoot"],
};

const checked = new Map(); // runtime dir -> is it the version above
function known(runtimeDir) {
  if (!checked.has(runtimeDir)) {
    let ok = false;
    try {
      ok = require(path.join(runtimeDir, "..", "package.json")).version === VERSION;
    } catch {
      ok = false;
    }
    checked.set(runtimeDir, ok);
  }
  return checked.get(runtimeDir);
}

if (process.env.NETNS_LAB_LAZY_CLOSURE !== "0") {
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const names = LAZY[request.replace(/^\.\//, "")];
    const from = parent && parent.filename;
    if (names && from && path.basename(from) === "index.js" && path.basename(path.dirname(from)) === "runtime" && known(path.dirname(from))) {
      const file = Module._resolveFilename(request, parent, isMain);
      if (!Module._cache[file]) {
        const real = () => load.call(Module, request, parent, isMain);
        const stand = {};
        for (const n of names) stand[n] = (...args) => real()[n](...args);
        return stand;
      }
    }
    return load.apply(this, arguments);
  };
}
