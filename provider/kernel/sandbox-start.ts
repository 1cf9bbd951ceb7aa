/**
 * Starting the sandbox's holder (sandbox.ts finds, records and ends it): the probe of user
 * namespaces (with the user's subordinate ids where the set-uid helpers can map them, else the
 * user's own id alone), `unshare … sleep infinity`, then the holder's own /run, /run/netns and
 * /etc/netns (a tmpfs, or an overlay of /etc where the host has no /etc/netns), its own /etc/frr (a
 * tmpfs, where the host has one), lo up, the record.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { spawnEnv } from "./env";
import { bootId, missing } from "./exec";
import { writePrivate } from "../private";
import { enterArgv, Holder, nsOf, readKnob, SANDBOX_OWNER, SandboxError, sleepMs, startTime } from "./sandbox";
import { helpersUsable, subordinateIds, userNamespaceAdvice } from "./sandbox-advice";

const inContainer = (): boolean => fs.existsSync("/.dockerenv") || fs.existsSync("/run/.containerenv") || /docker|kubepods|containerd|lxc/.test(readKnob("/proc/1/cgroup") ?? "");


const UNSHARE = ["unshare", "--user", "--map-root-user", "--net", "--mount", "--propagation", "private", "--"];
const userName = (): string => {
  try {
    return require("os").userInfo().username;
  } catch {
    return String(process.getuid?.());
  }
};
const withSubordinateIds = (): boolean =>
  subordinateIds(
    userName(),
    { subuid: readKnob("/etc/subuid"), subgid: readKnob("/etc/subgid") },
    helpersUsable(readKnob("/proc/self/status") ?? "", ["/usr/bin/newuidmap", "/usr/bin/newgidmap"].every((f) => fs.existsSync(f))),
  );

export function startHolder(dir: string): Holder {
  // The probe's stderr goes to a file, not a pipe (a helper child it left behind would hold a pipe open), and it is bounded.
  const tryUnshare = (argv: string[]) => {
    const errFile = path.join(dir, "probe.err");
    const err = fs.openSync(errFile, "w");
    const r = spawnSync(argv[0], [...argv.slice(1), "true"], { stdio: ["ignore", "ignore", err], env: spawnEnv(), timeout: 10_000, killSignal: "SIGKILL" });
    fs.closeSync(err);
    const stderr = fs.readFileSync(errFile, "utf8") + (r.signal ? `${argv[0]} did not finish in 10 s` : "");
    fs.rmSync(errFile, { force: true });
    return { status: r.signal ? 1 : r.status, stderr, error: r.error };
  };
  let ids: Holder["ids"] = "own";
  let unshare = UNSHARE;
  let probe: ReturnType<typeof tryUnshare> | undefined;
  if (withSubordinateIds()) {
    // newuidmap is set-uid root: refused where the bounding set or no_new_privs takes its capabilities; then the user's own id alone.
    const auto = [...UNSHARE.slice(0, 3), "--map-auto", ...UNSHARE.slice(3)];
    probe = tryUnshare(auto);
    if (probe.status === 0) [ids, unshare] = ["subordinate", auto];
  }
  if (ids === "own") probe = tryUnshare(unshare);
  probe = probe!;
  if (probe.error) throw missing("unshare", [], "start the sandbox");
  if (probe.status !== 0) {
    throw new SandboxError(
      userNamespaceAdvice(probe.stderr, {
        unprivilegedUsernsClone: readKnob("/proc/sys/kernel/unprivileged_userns_clone"),
        maxUserNamespaces: readKnob("/proc/sys/user/max_user_namespaces"),
        apparmorRestrict: readKnob("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
        inContainer: inContainer(),
      }),
    );
  }
  const logFile = path.join(dir, "holder.log");
  const log = fs.openSync(logFile, "w");
  const child = spawn(unshare[0], [...unshare.slice(1), "sleep", "infinity"], { detached: true, stdio: ["ignore", log, log], env: { ...spawnEnv(), NETNS_LAB_OWNER: SANDBOX_OWNER } });
  fs.closeSync(log);
  child.unref();
  const pid = child.pid;
  if (!pid) throw missing("unshare", [], "start the sandbox");
  const own = nsOf("self", "user");
  const fail = (why: string): never => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
    throw new SandboxError(`the sandbox could not be set up: ${why}`);
  };
  // Ready once unshare has made the namespaces and become `sleep` (a start-up wait, bounded).
  for (let i = 0; ; i++) {
    const comm = readKnob(`/proc/${pid}/comm`)?.trim();
    if (comm === "sleep" && nsOf(pid, "user") !== own) break;
    if (comm === undefined || readKnob(`/proc/${pid}/stat`)?.includes(") Z ")) fail(fs.readFileSync(logFile, "utf8").trim() || "the holder exited");
    if (i > 500) fail("the holder did not start within 5 s");
    sleepMs(10);
  }
  const run = (...argv: string[]) => {
    const r = spawnSync("nsenter", [...enterArgv({ pid }).slice(1), ...argv], { encoding: "utf8", env: spawnEnv() });
    if (r.status !== 0) fail(`${argv.join(" ")}: ${(r.stderr || r.error?.message || "").trim()}`);
  };
  run("mount", "-t", "tmpfs", "-o", "mode=0755", "netns-lab-run", "/run");
  run("mkdir", "-p", "/run/netns", "/run/netns-lab");
  // ip netns exec binds /etc/netns/<ns>/* over /etc: the sandbox needs an /etc/netns of its own.
  let etc: Holder["etc"] = "tmpfs";
  if (fs.existsSync("/etc/netns")) run("mount", "-t", "tmpfs", "-o", "mode=0755", "netns-lab-etc", "/etc/netns");
  else {
    etc = "overlay";
    run("mkdir", "-p", "/run/.netns-lab-etc/upper", "/run/.netns-lab-etc/work");
    run("mount", "-t", "overlay", "-o", "lowerdir=/etc,upperdir=/run/.netns-lab-etc/upper,workdir=/run/.netns-lab-etc/work", "netns-lab-etc", "/etc");
    run("mkdir", "-p", "/etc/netns");
  }
  // vtysh -N <namespace> reads /etc/frr/<namespace>/vtysh.conf. The host's /etc/frr is FRR's (0750:
  // nothing of it is the user's to read or write); the sandbox's is a tmpfs of its own, where a
  // containerlab node's vtysh.conf is written (the host's stays as it is).
  if (fs.existsSync("/etc/frr")) run("mount", "-t", "tmpfs", "-o", "mode=0755", "netns-lab-frr", "/etc/frr");
  run("ip", "link", "set", "lo", "up");
  const h: Holder = { pid, start: startTime(pid)!, userns: nsOf(pid, "user")!, etc, ids, boot: bootId(), since: new Date().toISOString() };
  writePrivate(path.join(dir, "holder.json"), JSON.stringify(h) + "\n");
  return h;
}
