#!/usr/bin/env bash
# Builds the Pulumi engine netns-lab runs on — the CLI and our Node.js language host — from the Go
# module proxy, and caches it outside the checkout. Prints the engine's root directory (the one
# holding bin/pulumi, which is what the Automation API's PulumiCommand.get({ root }) wants).
#
#   engine/build.sh            build if needed, print the root
#   engine/build.sh --force    rebuild even when the cache has it
#   engine/build.sh --test     run the tests our patches of the engine carry (go test; no build)
#
# The cache key is the Pulumi version plus a hash of engine/go.mod, go.sum and our language host's
# source, so a change to any of them builds a new engine and an unchanged tree costs nothing; the
# dynamic-provider plugin script and its preload are copied into the cache whenever they differ.
# Cache location: $NETNS_LAB_ENGINE_CACHE, else $XDG_CACHE_HOME/netns-lab, else ~/.cache/netns-lab.
set -euo pipefail

PULUMI_VERSION=v3.248.0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(dirname "$here")
force=0 test=0
[[ ${1:-} == --force ]] && force=1
[[ ${1:-} == --test ]] && test=1

say() { printf 'netns-lab engine: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

sdk="$project/node_modules/@pulumi/pulumi"
# Installed as a package (node_modules/netns-lab), npm puts the SDK beside it.
[[ -f $sdk/package.json || $(basename "$(dirname "$project")") != node_modules ]] || sdk="$(dirname "$project")/@pulumi/pulumi"
[[ -f $sdk/package.json ]] || die "node_modules/@pulumi/pulumi is missing: run 'npm ci' first (make does this for you)."
# Read without starting node: this script runs before every bin/pulumi command.
sdkv=$(sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$sdk/package.json" | head -n 1)
[[ "v$sdkv" == "$PULUMI_VERSION" ]] || die "@pulumi/pulumi is $sdkv but the engine is $PULUMI_VERSION; keep them equal (package.json pins it)."
# Our dynamic-provider plugin (the SDK's shim, without its extra node start) and its preloads. They
# are scripts, not part of the build: kept in step with the cache on every call (atomically: a
# running engine keeps the copy it opened), so changing them costs no rebuild.
shim="$here/pulumi-resource-pulumi-nodejs"
watch="$here/watch-parent.js"
lazy="$here/cmd/pulumi-language-nodejs/lazy-closure.js" # the language host embeds it too
sync_scripts() {
  local bin=$1 f
  for f in "$shim" "$watch" "$lazy"; do
    cmp -s "$f" "$bin/${f##*/}" && continue
    install -m 0755 "$f" "$bin/.${f##*/}.new" && mv -f "$bin/.${f##*/}.new" "$bin/${f##*/}"
  done
}

key=$(cat "$here/go.mod" "$here/go.sum" "$here"/cmd/*/* "$here"/patches/* | sha256sum | cut -c1-12)
cache=${NETNS_LAB_ENGINE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/netns-lab}
root="$cache/engine-$PULUMI_VERSION-$key"

if [[ $test == 0 && $force == 0 && -x $root/bin/pulumi && -x $root/bin/pulumi-language-nodejs ]]; then
  sync_scripts "$root/bin"
  echo "$root"
  exit 0
fi

# shellcheck source=find-go.sh
source "$here/find-go.sh"
find_go # Go >= 1.25 first on PATH (the Pulumi engine needs it), or a clear way to get one

mkdir -p "$cache"
if [[ $test == 1 ]]; then
  tmp=$(mktemp -d "$cache/.test.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
else
  # One build at a time per cache (jest workers, two shells, two users sharing a cache): the others
  # wait for it here and then use what it built, never remove a live engine. flock(1) frees the lock
  # when its holder dies, however it dies.
  exec 9>>"$cache/.build.lock"
  if ! flock -n 9; then
    say "another build of the engine is running (lock $cache/.build.lock): waiting for it"
    flock 9
  fi
  if [[ $force == 0 && -x $root/bin/pulumi && -x $root/bin/pulumi-language-nodejs ]]; then
    sync_scripts "$root/bin"
    echo "$root"
    exit 0
  fi
  tmp=$(mktemp -d "$cache/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/bin"
fi

# Our patches of the pinned engine (engine/patches/*.patch, each against pkg/v3, -p1): applied to a
# copy of that module, which the build uses instead (a replace in a copy of go.mod, -modfile); the
# module cache is not changed (go build refuses overlays of it). pkg-rename-replacewith.patch:
# `pulumi stack rename` panicked on every stack with replaceWith (3.248 emptied the list first).
# backend-group-commit.patch: the local backend's saves of the state after each step, grouped
# when steps finish while a save is being written (bench/README, issue 32).
command -v patch >/dev/null 2>&1 || die "patch is not installed (apt-get install patch; make system-deps installs it)."
pkgdir=$(cd "$here" && go mod download -json github.com/pulumi/pulumi/pkg/v3 | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -d $pkgdir ]] || die "could not download github.com/pulumi/pulumi/pkg/v3 (is the Go module proxy reachable?)"
cp -r "$pkgdir" "$tmp/pkg" && chmod -R u+w "$tmp/pkg"
for p in "$here"/patches/*.patch; do
  patch -s -p1 -d "$tmp/pkg" < "$p" || die "engine patch ${p##*/} does not apply to pkg/v3 $PULUMI_VERSION"
done
cp "$here/go.mod" "$tmp/go.mod" && cp "$here/go.sum" "$tmp/go.sum"
printf '\nreplace github.com/pulumi/pulumi/pkg/v3 => %s\n' "$tmp/pkg" >> "$tmp/go.mod"

flags=(-trimpath -modfile "$tmp/go.mod" -tags osusergo,grpcnotrace
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION")

if [[ $test == 1 ]]; then
  # The tests our patches add are named TestNetnsLab*; the build's flags, so its compiled packages
  # are reused. backend-group-commit.patch: backend/snapshot_netnslab_test.go.
  say "testing the engine patches (go test; the first time compiles the tested packages' dependencies)"
  (cd "$here" && CGO_ENABLED=0 go test "${flags[@]}" -count=1 -v -run 'TestNetnsLab' github.com/pulumi/pulumi/pkg/v3/backend) >&2
  exit 0
fi

build() { # build <what> <package> <output>; go build -v names each package it compiles: count them
  local what=$1 pkg=$2 out=$3 log="$tmp/build.log" t0=$SECONDS
  say "building $what ($pkg) ..."
  (cd "$here" && CGO_ENABLED=0 go build -v "${flags[@]}" -o "$out" "$pkg") > "$log" 2>&1 &
  local pid=$!
  while kill -0 $pid 2>/dev/null; do
    sleep 15
    kill -0 $pid 2>/dev/null && say "  $what: $(wc -l < "$log") packages compiled, $((SECONDS - t0))s"
  done
  if ! wait $pid; then
    if grep -qiE 'dial tcp|proxy|no such host|connection refused|i/o timeout|403|404|410' "$log"; then
      say "could not download Go modules: is the Go module proxy reachable? (GOPROXY=$(go env GOPROXY))"
    fi
    tail -n 30 "$log" >&2
    die "building $what failed (log above; the cache was not touched)."
  fi
}

say "building the Pulumi $PULUMI_VERSION engine into $root"
say "first time only: downloads modules and compiles ~1500 packages, 3-6 minutes on 2 cores."
start=$SECONDS
build "pulumi CLI" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$tmp/bin/pulumi"
build "Node.js language host" ./cmd/pulumi-language-nodejs "$tmp/bin/pulumi-language-nodejs"
# The engine finds the dynamic-provider plugin by this exact name next to `pulumi`.
sync_scripts "$tmp/bin"

got=$("$tmp/bin/pulumi" version)
[[ $got == "$PULUMI_VERSION" ]] || die "built CLI reports version '$got', expected $PULUMI_VERSION"
# Under the lock: --force's old root moved aside and removed after the new one is in place (a run
# that opened a binary of it keeps its open file).
mkdir -p "$(dirname "$root")"
[[ ! -e $root ]] || mv "$root" "$tmp.old"
mv "$tmp" "$root"
rm -rf "$tmp.old"
trap - EXIT
rm -rf "$root/build.log" "$root/pkg" "$root/go.mod" "$root/go.sum"
say "done in $((SECONDS - start))s: $root/bin"
echo "$root"
