/**
 * A Pulumi project directory as a user has it, outside this repository: its own Pulumi.yaml and
 * files, and node_modules as `npm install` would leave it (netns-lab linked, its dependencies beside
 * it), without reaching the registry.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO = path.resolve(__dirname, "..", "..");

export function userProject(files: Record<string, string>, opts: { nodeModules?: boolean } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-user-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  if (opts.nodeModules === false) return dir;
  const nm = path.join(dir, "node_modules");
  fs.mkdirSync(nm);
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (!entry.startsWith(".") && entry !== "netns-lab") fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(nm, entry));
  }
  fs.symlinkSync(REPO, path.join(nm, "netns-lab"));
  // npm links a package's bin entries here; package.json declares bin/netns-lab.
  fs.mkdirSync(path.join(nm, ".bin"));
  fs.symlinkSync(path.join("..", "netns-lab", "bin", "netns-lab"), path.join(nm, ".bin", "netns-lab"));
  return dir;
}
