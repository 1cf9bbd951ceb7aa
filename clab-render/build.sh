#!/usr/bin/env bash
# Builds clab-render — containerlab's rendering of a topology file (Go text/template with
# containerlab's functions, its vars files, its environment expansion; main.go says how) — from the Go
# module proxy, caches it beside the engine and prints the binary's path.
#
#   clab-render/build.sh           build if needed, print the path
#   clab-render/build.sh --test    run its Go tests (no build)
#
# containerlab expands environment variables with hellt/envsubst, a fork the Go module proxy does not
# serve; its one change to upstream a8m/envsubst (leave unset variables as written: NoReplace) is
# envsubst-noreplace.patch, applied to a copy of a8m/envsubst v1.4.3 (a replace in a copy of go.mod;
# the module cache is not changed). Cache key: a hash of this directory's sources; location as the
# engine's ($NETNS_LAB_ENGINE_CACHE, else $XDG_CACHE_HOME/netns-lab, else ~/.cache/netns-lab).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { printf 'netns-lab clab-render: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
test=0
[[ ${1:-} == --test ]] && test=1

srcs=("$here/go.mod" "$here/go.sum" "$here"/*.patch)
for f in "$here"/*.go; do [[ $f == *_test.go ]] || srcs+=("$f"); done # tests are not in the package
key=$(cat "${srcs[@]}" | sha256sum | cut -c1-12)
cache=${NETNS_LAB_ENGINE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/netns-lab}
bin="$cache/clab-render-$key/clab-render"
if [[ $test == 0 && -x $bin ]]; then echo "$bin"; exit 0; fi

# shellcheck source=../engine/find-go.sh
source "$here/../engine/find-go.sh"
find_go # containerlab's templates are rendered by Go's text/template: Go >= 1.25, as for the engine
mkdir -p "$cache"
if [[ $test == 0 ]]; then
  exec 9>>"$cache/.clab-render.lock"
  flock 9
  if [[ -x $bin ]]; then echo "$bin"; exit 0; fi
fi
tmp=$(mktemp -d "$cache/.clab-render.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
command -v patch >/dev/null 2>&1 || die "patch is not installed (apt-get install patch; make system-deps installs it)."
src=$(cd "$here" && go mod download -json github.com/a8m/envsubst | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -d $src ]] || die "could not download github.com/a8m/envsubst (is the Go module proxy reachable?)"
cp -r "$src" "$tmp/envsubst" && chmod -R u+w "$tmp/envsubst"
patch -s -p1 -d "$tmp/envsubst" < "$here/envsubst-noreplace.patch" || die "envsubst-noreplace.patch does not apply to a8m/envsubst"
cp "$here/go.mod" "$tmp/go.mod" && cp "$here/go.sum" "$tmp/go.sum"
printf '\nreplace github.com/a8m/envsubst => %s\n' "$tmp/envsubst" >> "$tmp/go.mod"
flags=(-trimpath -modfile "$tmp/go.mod")
if [[ $test == 1 ]]; then
  (cd "$here" && CGO_ENABLED=0 go test "${flags[@]}" -count=1 -v ./...) >&2
  exit 0
fi
(cd "$here" && CGO_ENABLED=0 go build "${flags[@]}" -ldflags "-s -w" -o "$tmp/clab-render" .) >&2 || die "building clab-render failed (above)"
mkdir -p "$(dirname "$bin")"
mv -f "$tmp/clab-render" "$bin"
echo "$bin"
