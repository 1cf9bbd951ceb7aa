/**
 * What this kernel can make, probed: a device of a type made in a scratch network namespace of a
 * user namespace (nothing of the machine's touched; no root needed), e.g. `canAddLink(["nl-probe",
 * "type", "dummy"])`. Each answer is kept for the process.
 */
import { execFileSync } from "child_process";

const known = new Map<string, boolean>();

/** Whether `ip link add ARGS…` succeeds here (in a scratch namespace). */
export function canAddLink(args: string[]): boolean {
  const key = args.join("\0");
  let ok = known.get(key);
  if (ok === undefined) {
    try {
      execFileSync("unshare", ["--user", "--map-root-user", "--net", "--", "ip", "link", "add", ...args], { stdio: "ignore", timeout: 10_000 });
      ok = true;
    } catch {
      ok = false;
    }
    known.set(key, ok);
  }
  return ok;
}
