// Before any test: the engine must be built (make test does it; running jest alone does it too)
// and the kernel's state is recorded, so teardown can prove the run left nothing behind.
const { execFileSync } = require("child_process");
const path = require("path");
const { snapshot } = require("./kernel-snapshot");
module.exports = async () => {
  const root = path.resolve(__dirname, "..", "..");
  process.env.NETNS_LAB_ENGINE_ROOT = execFileSync(path.join(root, "engine", "build.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  if (!require("fs").existsSync(path.join(root, "dist", "provider", "runtime.js"))) {
    throw new Error("dist/ is missing: run `make build` (make test does it for you)");
  }
  globalThis.__KERNEL_BEFORE__ = snapshot();
};
