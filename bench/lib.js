// What the benchmark scripts share: the checkout, options, a clock, running a command, namespaces.
"use strict";
const { execFileSync } = require("child_process");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
/** `--name value` from the command line, else `dflt`. */
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const now = () => Number(process.hrtime.bigint()) / 1e9;
/** A command's stdout; throws on failure. */
const run = (file, argv, extra = {}) => execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 1 << 28, ...extra });
const netnsList = () => run("ip", ["netns", "list"]).split("\n").map((l) => l.split(" ")[0]).filter(Boolean);

module.exports = { ROOT, opt, now, run, netnsList };
