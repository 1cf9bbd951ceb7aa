# Sourced by engine/build.sh and clab-render/build.sh: puts a Go >= 1.25 first on PATH, or dies
# saying how to get one. A login shell's PATH (su -l, runuser -l) lacks /usr/local/go/bin, where
# go.dev's archive puts Go, and Debian 12's own golang package is Go 1.19, too old: so Go is looked
# for beyond PATH — $NETNS_LAB_GO if set (alone), else `go` on PATH, /usr/local/go/bin/go, and
# Debian's versioned /usr/lib/go-1.N/bin/go, newest first — and the first recent enough is used.
# Needs: say, die (the sourcing script's).
find_go() {
  local c v maj min found=""
  local -a cands
  if [[ -n ${NETNS_LAB_GO:-} ]]; then
    cands=("$NETNS_LAB_GO")
  else
    cands=("$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go)
    while IFS= read -r c; do cands+=("$c"); done < <(ls -d /usr/lib/go-1.*/bin/go 2>/dev/null | sort -rV)
  fi
  local tried=""
  for c in "${cands[@]}"; do
    [[ -n $c && -x $c ]] || continue
    v=$("$c" env GOVERSION 2>/dev/null | sed 's/^go//') || continue
    IFS=. read -r maj min _ <<<"$v"
    if (( maj > 1 || min >= 25 )); then found=$c; break; fi
    tried+=" $c (Go $v)"
  done
  if [[ -z $found ]]; then
    die "need Go >= 1.25${tried:+; found only:$tried}. Debian 12's golang package is Go 1.19, too old: install Go from https://go.dev/dl (as root: tar -C /usr/local -xzf go1.25.*.linux-amd64.tar.gz; found in /usr/local/go/bin even when a login PATH lacks it), or set NETNS_LAB_GO to a go binary."
  fi
  PATH="$(dirname "$found"):$PATH"
  export PATH
}
