// FRR's daemons file read as FRR's start script reads it (#31: netlab's daemons files; the
// `*_options` and `frr_profile` that were ignored). Each case's expected command line is the one
// /usr/lib/frr/frrcommon.sh builds: `$bin -d $frr_global_options [-F profile] $instopt ${daemon}_options`.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { frrDaemonStarts, shellWords } from "../../provider/components/frr-daemons";

const FRR_SHIPPED = `# This file tells the frr package which daemons to start.
bgpd=yes
ospfd=no
bfdd=yes
vtysh_enable=yes
zebra_options="  -A 127.0.0.1 -s 90000000"
bgpd_options="   -A 127.0.0.1"
staticd_options="-A 127.0.0.1"
bfdd_options="   -A 127.0.0.1"
`;

describe("frrDaemonStarts: the daemons and the options FRR's start script gives each", () => {
  const cases: Array<[string, string | undefined, Array<[string, string[]]>]> = [
    ["no daemons file: zebra and staticd, their vty on the loopback", undefined, [["zebra", ["-A", "127.0.0.1"]], ["staticd", ["-A", "127.0.0.1"]]]],
    ["FRR's own file: each daemon's options, split as the shell splits them (zebra's -s kept)", FRR_SHIPPED, [
      ["zebra", ["-A", "127.0.0.1", "-s", "90000000"]],
      ["bgpd", ["-A", "127.0.0.1"]],
      ["staticd", ["-A", "127.0.0.1"]],
      ["bfdd", ["-A", "127.0.0.1"]],
    ]],
    ["a daemon enabled without options: -A 127.0.0.1", "ripd=yes\n", [["zebra", ["-A", "127.0.0.1"]], ["ripd", ["-A", "127.0.0.1"]], ["staticd", ["-A", "127.0.0.1"]]]],
    ["options set empty: none (as the shell gives none)", 'zebra_options=""\n', [["zebra", []], ["staticd", ["-A", "127.0.0.1"]]]],
    ["global options and a profile come first, for every daemon", 'frr_global_options="--log stdout"\nfrr_profile="datacenter"\nzebra_options="-A 127.0.0.1"\n', [
      ["zebra", ["--log", "stdout", "-F", "datacenter", "-A", "127.0.0.1"]],
      ["staticd", ["--log", "stdout", "-F", "datacenter", "-A", "127.0.0.1"]],
    ]],
    ["quotes inside the value and single quotes (eval reads them again); a comment after", "zebra_options='-M \"fpm:netlink\" -A 127.0.0.1' # fpm\n", [["zebra", ["-M", "fpm:netlink", "-A", "127.0.0.1"]], ["staticd", ["-A", "127.0.0.1"]]]],
    ["the last assignment of a name wins", 'zebra_options="-A 1.1.1.1"\nzebra_options="-A 127.0.0.1 -s 1000"\n', [["zebra", ["-A", "127.0.0.1", "-s", "1000"]], ["staticd", ["-A", "127.0.0.1"]]]],
  ];
  test.each(cases)("%s", (_what, file, want) => {
    expect(frrDaemonStarts(file).map((s) => [s.daemon, s.options])).toEqual(want);
  });
  // The oracle: bash itself, sourcing the file and building each command as frrcommon.sh does
  // (a daemon whose options are unset gets FRR's shipped -A 127.0.0.1, as ours does).
  test.each(cases.filter(([, file]) => file !== undefined))("as bash builds it: %s", (_what, file, want) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-unit-daemons-"));
    try {
      fs.writeFileSync(path.join(dir, "daemons"), file!);
      const script = [
        '. "$1"; shift',
        'test -n "$frr_profile" && frr_global_options="$frr_global_options -F $frr_profile"',
        'for daemon in "$@"; do',
        '  v="${daemon}_options"; if [ -n "${!v+set}" ]; then args="${!v}"; else args="-A 127.0.0.1"; fi',
        '  cmd="$frr_global_options $args"',
        '  eval "set -- $cmd"; printf "%s" "$daemon"; for a in "$@"; do printf "\t%s" "$a"; done; printf "\n"',
        "done",
      ].join("\n");
      const out = execFileSync("bash", ["-c", script, "bash", path.join(dir, "daemons"), ...want.map(([d]) => d)], { encoding: "utf8" });
      expect(out.split("\n").filter(Boolean).map((l) => { const [d, ...o] = l.split("\t"); return [d, o]; })).toEqual(want);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const refused: Array<[string, string, RegExp]> = [
    ["a variable", 'zebra_options="-A $ADDR"\n', /^node r1: daemons:1: zebra_options: \$ \(an expansion\): netns-lab starts FRR's daemons without a shell/],
    ["a command substitution", "bgpd=yes\nbgpd_options=$(cat /x)\n", /^node r1: daemons:2: bgpd_options: \$ \(an expansion\)/],
    ["backquotes", "zebra_options=\"`hostname`\"\n", /daemons:1: zebra_options: ` \(an expansion\)/],
    ["a shell operator", "zebra_options='-A 127.0.0.1; rm -rf /'\n", /daemons:1: zebra_options: ; \(a shell operator\)/],
    ["an unclosed quote", 'zebra_options="-A 127.0.0.1\n', /daemons:1: zebra_options: an unclosed "/],
  ];
  test.each(refused)("refused, naming the line: %s", (_what, file, said) => {
    expect(() => frrDaemonStarts(file, "node r1: daemons")).toThrow(said);
  });
});

describe("shellWords: plain words and quotes as the shell splits them", () => {
  const cases: Array<[string, string[]]> = [
    ["  -A   127.0.0.1  ", ["-A", "127.0.0.1"]],
    ["a'b c'd", ["ab cd"]],
    ['"x \\" y"', ['x " y']],
    ["a\\ b c", ["a b", "c"]],
    ["", []],
    ["x # comment", ["x"]],
    ["x#y", ["x#y"]],
  ];
  test.each(cases)("%j", (text, words) => {
    expect(shellWords(text, "t")).toEqual(words);
  });
});
