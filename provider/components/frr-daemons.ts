/**
 * FRR's `daemons` file, read as FRR's own start script reads it (`/usr/lib/frr/frrcommon.sh`, which
 * sources the file with bash): which daemons it enables, and the command line each is started with —
 * `$bin -d $frr_global_options $instopt ${daemon}_options`, with `-F $frr_profile` added to the
 * global options. netns-lab runs no shell for it: the file's assignments are read as the shell reads
 * plain words and quotes, and anything only a shell would compute (`$VAR`, `$(…)`, backquotes,
 * `;`, `|`, `&`, redirections, arrays) is refused, naming the line, rather than guessed. Pure.
 */

/** FRR's daemons, in the order FRR's start script starts them (zebra and staticd first). */
export const FRR_DAEMONS = ["zebra", "bgpd", "ospfd", "ospf6d", "ripd", "ripngd", "isisd", "pimd", "ldpd", "nhrpd", "eigrpd", "babeld", "sharpd", "pbrd", "staticd", "bfdd", "fabricd", "vrrpd", "pathd"];

/** A daemons file's assignments, by name (the last one of a name wins, as in the shell): the text after `=`, and its line. */
function assignments(text: string): Map<string, { raw: string; line: number }> {
  const out = new Map<string, { raw: string; line: number }>();
  text.split("\n").forEach((line, k) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out.set(m[1], { raw: m[2], line: k + 1 });
  });
  return out;
}

/**
 * The words of a shell text of plain words and quotes ("…", '…', backslashes), as the shell splits
 * it. `one`: an assignment's value (one word, its unquoted blanks end it; a comment may follow).
 * Throws, naming `where`, on anything the shell would compute.
 */
export function shellWords(text: string, where: string, one = false): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const refuse = (what: string): never => {
    throw new Error(`${where}: ${what}: netns-lab starts FRR's daemons without a shell, so it reads the daemons file's plain words and quotes only; write the value out`);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === " " || c === "\t") {
      if (word !== undefined) {
        words.push(word);
        word = undefined;
        if (one) break;
      }
      continue;
    }
    if (c === "#" && word === undefined) break;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) refuse("an unclosed '");
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let s = "";
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === "$" || text[i] === "`") refuse(`${text[i]} (an expansion)`);
        if (text[i] === "\\" && /["\\$`]/.test(text[i + 1] ?? "")) i++;
        s += text[i];
      }
      if (i >= text.length) refuse('an unclosed "');
      word = (word ?? "") + s;
    } else if (c === "\\") {
      word = (word ?? "") + (text[++i] ?? "");
    } else if ("$`;|&<>()".includes(c)) {
      refuse(`${c} (${c === "$" || c === "`" ? "an expansion" : "a shell operator"})`);
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * The daemons an FRR `daemons` file enables (zebra and staticd always, first): as FRR's start script
 * decides it, a daemon whose variable is exactly `yes` (quoted or not; a line with blanks around
 * `=` is no assignment to the shell, so not to us). Throws, naming the line, on what only a shell computes.
 */
export function frrDaemons(daemonsFile: string | undefined, file = "daemons"): string[] {
  return enabledDaemons(assignments(daemonsFile ?? ""), file);
}

/** The shell word an assignment gives `name`, and where it is; undefined where the file has none. */
function assigned(vars: Map<string, { raw: string; line: number }>, name: string, file: string) {
  const v = vars.get(name);
  const where = v && `${file}:${v.line}: ${name}`;
  return v && where ? { text: shellWords(v.raw, where, true)[0] ?? "", where } : undefined;
}

function enabledDaemons(vars: Map<string, { raw: string; line: number }>, file: string): string[] {
  return FRR_DAEMONS.filter((d) => d === "zebra" || d === "staticd" || assigned(vars, d, file)?.text === "yes");
}

/** One daemon as FRR's start script would start it: its name and the options after its binary. */
export interface FrrDaemonStart {
  daemon: string;
  /** `frr_global_options`, `-F frr_profile`, then `<daemon>_options`, as words. */
  options: string[];
}

/**
 * The daemons a `daemons` file enables, each with the options FRR's start script gives it. A daemon
 * whose `<daemon>_options` the file does not set gets `-A 127.0.0.1` (its vty on the loopback, as in
 * every daemons file FRR ships). Throws, naming the file and line, on what only a shell computes.
 */
export function frrDaemonStarts(daemonsFile: string | undefined, file = "daemons"): FrrDaemonStart[] {
  const vars = assignments(daemonsFile ?? "");
  // An assignment's value (one word of the shell's), then that value split into words again (the start script's eval).
  const words = (name: string) => {
    const v = assigned(vars, name, file);
    return v && shellWords(v.text, v.where);
  };
  const profile = assigned(vars, "frr_profile", file)?.text;
  const global = [...(words("frr_global_options") ?? []), ...(profile ? ["-F", profile] : [])];
  return enabledDaemons(vars, file).map((daemon) => ({ daemon, options: [...global, ...(words(`${daemon}_options`) ?? ["-A", "127.0.0.1"])] }));
}
