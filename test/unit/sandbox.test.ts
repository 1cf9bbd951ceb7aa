// The sandbox's pure parts: when it is used, where its record lives, how it is entered, and what
// the error says for each reason a machine refuses user namespaces (each case its own message).
import { enterArgv, helpersUsable, sandboxDir, sandboxWanted, subordinateIds, userNamespaceAdvice } from "../../provider/kernel/sandbox";

test.each([
  [{}, 0, false],
  [{}, 1000, true],
  [{ NETNS_LAB_SANDBOX: "0" }, 1000, false],
  [{ NETNS_LAB_SANDBOX: "1" }, 0, true],
  [{ NETNS_LAB_SANDBOX: "" }, 0, false],
])("sandboxWanted(%p, uid %p) is %p", (env, uid, want) => {
  expect(sandboxWanted(env, uid)).toBe(want);
});

test("its record: NETNS_LAB_SANDBOX_DIR, else one per uid in the temporary directory", () => {
  expect(sandboxDir({ NETNS_LAB_SANDBOX_DIR: "/x/y" }, 5)).toBe("/x/y");
  expect(sandboxDir({}, 1234)).toMatch(/\/netns-lab-sandbox-1234$/);
});

test("entered with nsenter into its user, mount and network namespaces, keeping the user's own uid (its root)", () => {
  expect(enterArgv({ pid: 42 }, "/home/u/lab")).toEqual(["nsenter", "-t", "42", "-U", "-m", "-n", "--preserve-credentials", "--wd=/home/u/lab", "--"]);
});

const STDERR = "unshare: unshare failed: Operation not permitted\n";
test.each([
  ["unprivileged_userns_clone off", { unprivilegedUsernsClone: "0\n" }, /kernel\.unprivileged_userns_clone = 0\); as root: sysctl -w kernel\.unprivileged_userns_clone=1/],
  ["no user namespaces allowed", { maxUserNamespaces: "0\n" }, /user\.max_user_namespaces is 0; as root: sysctl -w user\.max_user_namespaces=10000/],
  ["Ubuntu's AppArmor restriction", { apparmorRestrict: "1\n" }, /AppArmor restricts unprivileged user namespaces \(kernel\.apparmor_restrict_unprivileged_userns = 1/],
  ["a container's seccomp profile", { inContainer: true }, /in a container, its seccomp profile .* --security-opt seccomp=unconfined/],
  ["none of those: a filter or a security module", {}, /no sysctl here forbids it, so a seccomp filter .* or a security module \(AppArmor, SELinux\)/],
  ["the knobs that allow it do not count", { unprivilegedUsernsClone: "1", maxUserNamespaces: "1000", apparmorRestrict: "0" }, /no sysctl here forbids it/],
])("%s: the message says why and what to do", (_name, knobs, says) => {
  const m = userNamespaceAdvice(STDERR, knobs);
  expect(m).toMatch(/^netns-lab runs labs for a user who is not root in a sandbox \(a user namespace\), and this machine refuses one \(unshare: unshare failed: Operation not permitted\)/);
  expect(m).toMatch(says);
  expect(m).toMatch(/run netns-lab as root/);
});

test.each([
  ["a range in both files, helpers installed", "u:100000:65536\n", "u:100000:65536\n", true, true],
  ["no helpers (uidmap not installed)", "u:100000:65536\n", "u:100000:65536\n", false, false],
  ["no subgid range", "u:100000:65536\n", "v:100000:65536\n", true, false],
  ["another user's range only", "uu:100000:65536\n", "uu:100000:65536\n", true, false],
  ["an empty range", "u:100000:0\n", "u:100000:0\n", true, false],
  ["no files", undefined, undefined, true, false],
])("subordinate ids mapped for user u: %s", (_name, subuid, subgid, helpers, mapped) => {
  expect(subordinateIds("u", { subuid, subgid }, helpers)).toBe(mapped);
});

test.each([
  ["a login user (full bounding set)", "NoNewPrivs:\t0\nCapBnd:\t000001ffffffffff\n", true, true],
  ["no bounding set", "NoNewPrivs:\t0\nCapBnd:\t0000000000000000\n", true, false],
  ["bounding set without CAP_SETUID", "NoNewPrivs:\t0\nCapBnd:\t000001ffffffff7f\n", true, false],
  ["no_new_privs", "NoNewPrivs:\t1\nCapBnd:\t000001ffffffffff\n", true, false],
  ["helpers not installed", "NoNewPrivs:\t0\nCapBnd:\t000001ffffffffff\n", false, false],
])("newuidmap usable for %s", (_name, status, installed, usable) => {
  expect(helpersUsable(status, installed)).toBe(usable);
});
