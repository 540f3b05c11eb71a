#!/usr/bin/env bash
# Builds the Temporal CLI (dev server + Web UI) from its Go module at a pinned version, once per machine.
# The binary is cached outside git; a second run only prints its path. Nothing is downloaded except
# through the Go module proxy. v1.5.1 is the newest tag `go install` accepts (v1.6+ has a replace directive).
set -euo pipefail

version="v1.5.1"
cache_root="${PORT_SYNC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/port-sync}"
bin_dir="$cache_root/temporal-cli-$version"
bin="$bin_dir/temporal"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  for candidate in /usr/local/go/bin/go /usr/lib/go/bin/go; do
    [ -x "$candidate" ] && PATH="$(dirname "$candidate"):$PATH" && break
  done
fi
command -v go >/dev/null 2>&1 || { echo "port-sync: Go >= 1.25 is needed to build the Temporal CLI $version (go not found)" >&2; exit 1; }

mkdir -p "$bin_dir"
tmp="$(mktemp -d "$bin_dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "port-sync: building the Temporal CLI $version from its Go module (first time only; takes several minutes)" >&2
echo "port-sync: cache: $bin" >&2
# -v prints each package as it compiles: progress for a build that takes minutes.
CGO_ENABLED=0 GOBIN="$tmp" go install -v "github.com/temporalio/cli/cmd/temporal@$version" 2>&1 \
  | awk '{ n++; if (n % 50 == 0) { printf "port-sync: ... %d packages built (%s)\n", n, $0 > "/dev/stderr" } }'
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "port-sync: go install failed" >&2; exit 1; }
mv "$tmp/temporal" "$bin"
echo "port-sync: built $("$bin" --version 2>/dev/null || echo temporal)" >&2
echo "$bin"
