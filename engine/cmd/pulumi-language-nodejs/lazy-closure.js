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
// The same holds for the stack trace runtime/debuggable.js's debuggablePromise records on every
// promise the runtime makes (several per resource), for its report of promises still pending at
// exit: it formats `new Error().stack` at once, and in a ts-node program every format goes through
// source-map-support's prepareStackTrace. Measured (chain N = 50, 413 resources, a no-change `up`):
// ~2 s of the program's ~8 s, before the first resource reached the engine, and ~0.3 s more for the
// capture alone. The SDK reads that trace only to print it in the report's debug form, with
// PULUMI_DEBUG_PROMISE_LEAKS set; the stand-in below records it only then (as the SDK does, at the
// same point) and otherwise does what the SDK's function does, line by line: the same report.
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

// runtime/debuggable.js's debuggablePromise, its stack trace recorded only for the debug report. Its callers
// (runtime/resource, invoke, rpc, settings, callbacks) call it as a property of the module's exports
// at each call, so replacing the property replaces it for all of them.
const NO_TRACE = "(recorded with PULUMI_DEBUG_PROMISE_LEAKS=1 only)";
function lazyStacks(debuggable, runtimeDir) {
  const state = require(path.join(runtimeDir, "state.js"));
  const log = require(path.join(runtimeDir, "..", "log", "index.js"));
  let promiseId = 0;
  let leakDetectorScheduled = false;
  debuggable.debuggablePromise = function debuggablePromise(p, ctx) {
    const localStore = state.getStore();
    Object.defineProperty(p, "_debugId", { writable: true, value: promiseId });
    Object.defineProperty(p, "_debugCtx", { writable: true, value: ctx });
    // Read only by the leak report's debug form (promiseDebugString, PULUMI_DEBUG_PROMISE_LEAKS).
    const trace = debuggable.debugPromiseLeaks ? new Error().stack : NO_TRACE;
    Object.defineProperty(p, "_debugStackTrace", { writable: true, value: trace });
    promiseId++;
    if (!leakDetectorScheduled) {
      process.on("exit", () => {
        if ((process.exitCode === undefined || process.exitCode === 0) && !log.hasErrors() && !localStore.terminated) {
          const [leaks, message] = debuggable.leakedPromises();
          if (leaks.size === 0) return;
          if (!debuggable.debugPromiseLeaks) console.error(message);
          process.exitCode = 1;
        }
      });
      leakDetectorScheduled = true;
    }
    localStore.leakCandidates.add(p);
    return p
      .then((val) => {
        localStore.leakCandidates.delete(p);
        return val;
      })
      .catch((err) => {
        localStore.leakCandidates.delete(p);
        err.promise = p;
        throw err;
      });
  };
}

const stackless = new WeakSet(); // the debuggable modules given lazyStacks

if (process.env.NETNS_LAB_LAZY_CLOSURE !== "0") {
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (/(^|\/)debuggable$/.test(request) && parent && parent.filename) {
      const mod = load.apply(this, arguments);
      const file = Module._resolveFilename(request, parent, isMain);
      const dir = path.dirname(file);
      if (!stackless.has(mod) && path.basename(dir) === "runtime" && known(dir) && typeof mod.debuggablePromise === "function") {
        stackless.add(mod);
        lazyStacks(mod, dir);
      }
      return mod;
    }
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
