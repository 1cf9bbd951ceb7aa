#!/usr/bin/env bash
# Installs netlab (PyPI `networklab`, one pinned version) into a virtual environment of its own,
# cached outside the checkout beside the engine, and prints the path of its `netlab` command.
# netns-lab runs netlab itself for a netlab topology (provider/components/netlab.ts): its
# transformation (addressing, modules, every node's configuration) is netlab's, not ours.
#
#   netlab/install.sh    install if needed, print .../bin/netlab
#
# The wheels of netlab and of everything it needs are kept beside it ($root/wheels): a user who
# cannot reach the package index installs from a copy of them with
# NETNS_LAB_NETLAB_WHEELS=<that directory> netlab/install.sh (pip, offline).
#
# Nothing is fetched at run time: this runs at set-up (make deps). Cache: $NETNS_LAB_ENGINE_CACHE,
# else $XDG_CACHE_HOME/netns-lab, else ~/.cache/netns-lab; one lock per cache (as the engine's).
set -euo pipefail

NETLAB_VERSION=26.10
say() { printf 'netns-lab netlab: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

cache=${NETNS_LAB_ENGINE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/netns-lab}
root="$cache/netlab-$NETLAB_VERSION"
ready() { [[ -x $root/bin/netlab && -d $root/wheels ]] && [[ $("$root/bin/netlab" version 2>/dev/null | head -n 1) == "netlab version $NETLAB_VERSION" ]]; }
if ready; then echo "$root/bin/netlab"; exit 0; fi

command -v python3 >/dev/null 2>&1 || die "python3 is not installed (apt-get install python3 python3-venv; make system-deps installs them)"
python3 -c 'import venv, ensurepip' 2>/dev/null || die "python3's venv module is missing (apt-get install python3-venv; make system-deps installs it)"
mkdir -p "$cache"
exec 9>>"$cache/.netlab.lock"
if ! flock -n 9; then say "another install of netlab is running (lock $cache/.netlab.lock): waiting for it"; flock 9; fi
if ready; then echo "$root/bin/netlab"; exit 0; fi
say "installing netlab $NETLAB_VERSION (PyPI networklab) into $root ..."
# In place, under the lock (a venv's scripts name its path); a half-made one fails `ready` and is made again.
rm -rf "$root"
python3 -m venv "$root" >&2
pip=("$root/bin/pip" --quiet --disable-pip-version-check)
if [[ -n ${NETNS_LAB_NETLAB_WHEELS:-} ]]; then
  [[ -d $NETNS_LAB_NETLAB_WHEELS ]] || die "NETNS_LAB_NETLAB_WHEELS=$NETNS_LAB_NETLAB_WHEELS is not a directory"
  cp -r "$NETNS_LAB_NETLAB_WHEELS" "$root/wheels"
else
  # Every requirement as a wheel (sdists built here, once), then installed from them alone.
  "${pip[@]}" wheel --wheel-dir "$root/wheels" "networklab==$NETLAB_VERSION" >&2 \
    || { rm -rf "$root"; die "pip could not fetch networklab==$NETLAB_VERSION (is the Python package index reachable?)"; }
fi
"${pip[@]}" install --no-index --find-links "$root/wheels" "networklab==$NETLAB_VERSION" >&2 \
  || { rm -rf "$root"; die "pip could not install networklab==$NETLAB_VERSION from $root/wheels"; }
ready || die "netlab $NETLAB_VERSION did not install into $root"
say "done: $root/bin/netlab"
echo "$root/bin/netlab"
