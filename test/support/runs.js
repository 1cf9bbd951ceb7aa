// The test runs in progress on this machine (one jest process each): a run's teardown sweeps what
// appeared during it, so it must not sweep while another run is going (that run's labs, users and
// processes appeared during it too: a unit run beside `make test` killed CI's processes).
const fs = require("fs");
const os = require("os");
const path = require("path");
const dir = path.join(os.tmpdir(), "netns-lab-test-runs");
const startOf = (pid) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
};
/** Records this process as a run in progress. */
function begin() {
  fs.mkdirSync(dir, { recursive: true, mode: 0o1777 });
  fs.writeFileSync(path.join(dir, String(process.pid)), String(startOf(process.pid)));
}
/** Ends this process's record; returns the other runs still in progress (their pids). */
function end() {
  fs.rmSync(path.join(dir, String(process.pid)), { force: true });
  const others = [];
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    let start;
    try {
      start = fs.readFileSync(path.join(dir, f), "utf8");
    } catch {
      continue;
    }
    if (startOf(Number(f)) === start) others.push(Number(f));
    else fs.rmSync(path.join(dir, f), { force: true }); // a run that was killed
  }
  return others;
}
module.exports = { begin, end };
