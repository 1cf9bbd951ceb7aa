/**
 * The one base environment of what netns-lab runs: its own commands (ip, nft, tc, ethtool, nsenter,
 * in any executor), a Process's program, a Command's lines, the sandbox's holder.
 *
 * Tools are found on the caller's own PATH, then in the standard directories root's PATH has
 * (`STANDARD_PATH`, Debian's root PATH) that it lacks. A user who is not root comes through a login
 * shell whose PATH (Debian's /etc/profile) has no /usr/sbin or /sbin, where nft, tc, ethtool and
 * bird live; without this, Nat would say "'nft' is not installed" although it is. The caller's own
 * directories keep their precedence (a wrapper of theirs is still theirs).
 */
export const STANDARD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The caller's PATH (empty entries dropped), then the directories of STANDARD_PATH it lacks. */
export function toolPath(callers: string | undefined = process.env.PATH): string {
  const dirs = (callers ?? "").split(":").filter(Boolean);
  for (const d of STANDARD_PATH.split(":")) if (!dirs.includes(d)) dirs.push(d);
  return [...new Set(dirs)].join(":");
}

/** The base of a program's environment (Process, Command): PATH as above, HOME of root (the node's), LANG. */
export function baseEnv(callers: string | undefined = process.env.PATH): { PATH: string; HOME: string; LANG: string } {
  return { PATH: toolPath(callers), HOME: "/root", LANG: "C.UTF-8" };
}

/** The environment the executors spawn with: this process's, PATH as above. */
export const spawnEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({ ...env, PATH: toolPath(env.PATH) });
