/**
 * An ordinary user for the tests of labs without root (issue 22): made for the run (useradd), with
 * no capabilities (setpriv drops them all, bounding set included) and a clean environment, and a
 * clone of this work tree that the user builds. Removed afterwards with everything the user runs.
 *
 * What the user is given rather than fetching: the npm packages (node_modules and the npm cache,
 * copied as root has them: the registry is not what is under test) and the engine root built
 * (Go builds take minutes). What the user does: `make build` (tsc) in the clone, and every
 * command of the tests.
 */
import { execFileSync, spawn, spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "./engine";

export interface TestUser {
  name: string;
  uid: number;
  home: string;
  clone: string;
  /** Runs argv as the user, through a login shell (no capabilities, the login's environment) in `cwd` (default the clone). */
  run(argv: string[], o?: { cwd?: string; env?: Record<string, string>; input?: string; timeout?: number; bounding?: boolean }): SpawnSyncReturns<string>;
  /** Starts argv as the user, detached into its own process group (to be killed). */
  start(argv: string[], o?: { cwd?: string; env?: Record<string, string> }): ReturnType<typeof spawn>;
  /** The argv prefix that turns a command into the user's. */
  as(argv: string[], env?: Record<string, string>, bounding?: boolean, cwd?: string, group?: boolean): string[];
  remove(): void;
}


/** Pipes a tar of `files` (relative to `from`) into `to`, extracted by the user (so the user owns it). */
function copyAs(as: (a: string[]) => string[], from: string, files: string[] | ".", to: string): void {
  const list = files === "." ? ["."] : files;
  const tar = spawnSync("bash", ["-c", `tar -C "$1" --null -T - -cf - | ${as(["bash", "-c", 'mkdir -p "$0" && tar -C "$0" -xf -', to]).map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ")}`, "bash", from], {
    input: list.join("\0") + "\0",
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (tar.status !== 0) throw new Error(`copying ${from} to ${to} as the user failed: ${tar.stderr}`);
}

export function makeUser(name: string): TestUser {
  if (!/^nltu[a-z0-9]+$/.test(name)) throw new Error(`test users are named nltu…, not ${name}`);
  execFileSync("useradd", ["--create-home", "--shell", "/bin/bash", "--user-group", name]);
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  // A subordinate id range, as useradd gives a new user where /etc/subuid exists (the sandbox maps it: tcpdump works).
  const listed = (f: string) => fs.existsSync(f) && fs.readFileSync(f, "utf8").split("\n").some((l) => l.startsWith(`${name}:`));
  if (!listed("/etc/subuid") || !listed("/etc/subgid")) {
    // usermod refuses to add ranges where the files do not exist yet (shadow's own default is empty files).
    for (const f of ["/etc/subuid", "/etc/subgid"]) if (!fs.existsSync(f)) fs.writeFileSync(f, "", { mode: 0o644 });
    const first = 200_000_000 + (uid % 5000) * 65536;
    execFileSync("usermod", ["--add-subuids", `${first}-${first + 65535}`, "--add-subgids", `${first}-${first + 65535}`, name]);
  }
  const home = `/home/${name}`;
  const clone = path.join(home, "netns-lab");
  // Through a real login shell, as a user logs in (runuser -l: PAM, then bash -l reads /etc/profile,
  // whose PATH for a user who is not root has no /usr/sbin or /sbin on Debian), in `cwd`, with `env`
  // added. No capability (a user's login has none). Two cases use setpriv and then the same login
  // shell (bash -l) instead: `bounding: false` clears the bounding set too, which runuser cannot run
  // under; and `group` (start(): to be killed as a process group), since runuser -c makes the
  // command a session of its own.
  const as = (argv: string[], env: Record<string, string> = {}, bounding = true, cwd = home, group = false) => {
    const script = 'cd -- "$0" && exec "$@"';
    const command = [cwd, "env", ...Object.entries({ LANG: "C.UTF-8", ...env }).map(([k, v]) => `${k}=${v}`), ...argv];
    if (bounding && !group) return ["runuser", "-l", name, "-c", script, "--", ...command];
    return [
      "setpriv", `--reuid=${name}`, `--regid=${name}`, "--init-groups", "--inh-caps=-all", ...(bounding ? [] : ["--bounding-set=-all"]),
      "env", "-i", `HOME=${home}`, `USER=${name}`, `LOGNAME=${name}`, "SHELL=/bin/bash", "bash", "-l", "-c", script, ...command,
    ];
  };
  const user: TestUser = {
    name,
    uid,
    home,
    clone,
    as,
    run(argv, o = {}) {
      const a = as(argv, o.env, o.bounding ?? true, o.cwd ?? clone);
      return spawnSync(a[0], a.slice(1), { encoding: "utf8", input: o.input, timeout: o.timeout ?? 600_000, maxBuffer: 1 << 26 });
    },
    start(argv, o = {}) {
      const a = as(argv, o.env, true, o.cwd ?? clone, true);
      return spawn(a[0], a.slice(1), { stdio: ["ignore", "pipe", "pipe"], detached: true });
    },
    remove() {
      spawnSync("pkill", ["-KILL", "-u", name]);
      for (let i = 0; i < 50 && spawnSync("pgrep", ["-u", name]).status === 0; i++) execFileSync("sleep", ["0.1"]);
      spawnSync("userdel", ["--remove", name]);
      for (const d of [`netns-lab-sandbox-${uid}`, `netns-lab-ssh-${uid}`, `netns-lab-node-${uid}`]) fs.rmSync(path.join("/tmp", d), { recursive: true, force: true });
    },
  };
  try {
    // The work tree as git sees it (tracked and new files, nothing ignored): what a clone of it holds.
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPO, encoding: "utf8" }).split("\0").filter((f) => f && fs.existsSync(path.join(REPO, f)));
    copyAs(as, REPO, files, clone);
    copyAs(as, path.join(REPO, "node_modules"), ".", path.join(clone, "node_modules"));
    const npmCache = path.join(process.env.HOME ?? "/root", ".npm", "_cacache");
    if (fs.existsSync(npmCache)) copyAs(as, npmCache, ".", path.join(home, ".npm", "_cacache"));
    const engine = execFileSync(path.join(REPO, "engine", "build.sh"), { encoding: "utf8" }).trim();
    copyAs(as, path.dirname(engine), [path.basename(engine)], path.join(home, ".cache", "netns-lab"));
    const build = user.run(["make", "build"]);
    if (build.status !== 0) throw new Error(`make build as ${name} failed:\n${build.stdout}\n${build.stderr}`);
  } catch (e) {
    user.remove();
    throw e;
  }
  return user;
}

/** The user's processes (pid and command line). */
export const processesOf = (name: string): string[] =>
  spawnSync("pgrep", ["-a", "-u", name], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);

/** A command run by root in the user's sandbox's mount namespace (its /run/netns, /etc/netns), as root sees it; status 1 when there is no sandbox. */
export function sandboxRun(u: TestUser, argv: string[]): { status: number | null; stdout: string } {
  const rec = path.join("/tmp", `netns-lab-sandbox-${u.uid}`, "holder.json");
  if (!fs.existsSync(rec)) return { status: 1, stdout: "" };
  const pid = JSON.parse(fs.readFileSync(rec, "utf8")).pid;
  return spawnSync("nsenter", ["-t", String(pid), "-m", ...argv], { encoding: "utf8" });
}

/** The namespaces in the user's sandbox, sorted. */
export function sandboxNamespaces(u: TestUser): string[] {
  const r = sandboxRun(u, ["ip", "netns", "list"]);
  return r.status === 0 ? r.stdout.split("\n").map((l) => l.split(" ")[0]).filter(Boolean).sort() : [];
}

/** What the host's root namespace holds that a lab could add to. */
export function hostRoot(): Record<string, string[]> {
  const lines = (f: string, a: string[]) => execFileSync(f, a, { encoding: "utf8" }).split("\n").filter(Boolean);
  return {
    netns: lines("ip", ["netns", "list"]).sort(),
    links: lines("ip", ["-o", "link"]).map((l) => l.split(": ")[1]).sort(),
    etcNetns: fs.existsSync("/etc/netns") ? fs.readdirSync("/etc/netns").sort() : [],
    runNetnsLab: fs.existsSync("/run/netns-lab") ? fs.readdirSync("/run/netns-lab").sort() : [],
  };
}
