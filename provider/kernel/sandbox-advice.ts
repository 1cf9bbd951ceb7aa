/**
 * Why the sandbox cannot do something here, and what to do: user namespaces refused (which knob, a
 * container's seccomp profile, a security module), subordinate ids absent or unusable (set-uid
 * helpers without their capabilities). Pure functions of what the caller read from the machine.
 */
import * as os from "os";

/**
 * What to do where the sandbox maps the user's id alone and `what` needs other users (tcpdump and
 * FRR switch to their own): the words, ending in what to run.
 */
export function subordinateIdsAdvice(what: string, user = os.userInfo().username): string {
  return (
    `${what} needs subordinate ids in the sandbox, which maps ${user}'s own id alone here: install uidmap (apt-get install uidmap) and give ${user} ` +
    `a range in /etc/subuid and /etc/subgid (as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user}), then netns-lab sandbox stop, and up again; or run it as root`
  );
}
/**
 * Why unprivileged user namespaces do not work here, in words that say what to do; from the
 * failed probe's stderr and the knobs that cause it (pure: the caller reads them).
 */
export function userNamespaceAdvice(stderr: string, knobs: { unprivilegedUsernsClone?: string; maxUserNamespaces?: string; apparmorRestrict?: string; inContainer?: boolean }): string {
  const head = `netns-lab runs labs for a user who is not root in a sandbox (a user namespace), and this machine refuses one (${stderr.trim().split("\n").pop() || "unshare failed"})`;
  if (knobs.unprivilegedUsernsClone?.trim() === "0") return `${head}: unprivileged user namespaces are off (kernel.unprivileged_userns_clone = 0); as root: sysctl -w kernel.unprivileged_userns_clone=1, or run netns-lab as root`;
  if (knobs.maxUserNamespaces?.trim() === "0") return `${head}: user.max_user_namespaces is 0; as root: sysctl -w user.max_user_namespaces=10000, or run netns-lab as root`;
  if (knobs.apparmorRestrict?.trim() === "1") {
    return `${head}: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10 and later); as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for unshare that allows userns, or run netns-lab as root`;
  }
  if (knobs.inContainer) {
    return `${head}: in a container, its seccomp profile (Docker's default refuses unshare(CLONE_NEWUSER) without CAP_SYS_ADMIN) or its own user namespace limits forbid it; start the container with --security-opt seccomp=unconfined (or a profile allowing unshare and setns), or run netns-lab as root in a --privileged container`;
  }
  return `${head}: no sysctl here forbids it, so a seccomp filter (a container's profile: Docker's default refuses unshare without CAP_SYS_ADMIN) or a security module (AppArmor, SELinux) does; allow unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWNS) for this user (a container: --security-opt seccomp=unconfined), or run netns-lab as root`;
}

/**
 * With newuidmap/newgidmap (Debian's uidmap) and a subordinate range of the user's in /etc/subuid
 * and /etc/subgid, the sandbox maps that range too (`--map-auto`, as rootless Podman does): then
 * setgroups(2) is allowed in it and programs that switch users work (tcpdump, which drops to its
 * own user). Without, only the user's own uid is mapped (to root), and those programs cannot.
 */
export function subordinateIds(user: string, files: { subuid?: string; subgid?: string }, helpers: boolean): boolean {
  const has = (text?: string) => (text ?? "").split("\n").some((l) => l.split(":")[0] === user && Number(l.split(":")[2]) > 0);
  return helpers && has(files.subuid) && has(files.subgid);
}
/**
 * Whether the set-uid helpers can work for this process: installed, and neither no_new_privs nor a
 * bounding set without CAP_SETUID and CAP_SETGID takes their privilege away (then unshare's helper
 * child fails and, in util-linux 2.38, can be left waiting forever).
 */
export function helpersUsable(status: string, installed: boolean): boolean {
  if (!installed || /^NoNewPrivs:\s*1$/m.test(status)) return false;
  const bnd = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0"}`);
  return ((bnd >> 6n) & 1n) === 1n && ((bnd >> 7n) & 1n) === 1n; // CAP_SETGID, CAP_SETUID
}
