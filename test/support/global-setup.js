// Before any test: as root, the kernel's state is recorded so that teardown can prove the run left
// nothing behind. Unit tests need neither root nor the engine nor a build: the engine is built on
// first use by the end-to-end tests (test/support/engine.ts), and they check dist/ themselves.
const { snapshot } = require("./kernel-snapshot");
const runs = require("./runs");
module.exports = async () => {
  if (process.getuid && process.getuid() === 0) {
    globalThis.__KERNEL_BEFORE__ = snapshot();
    runs.begin();
  }
};
