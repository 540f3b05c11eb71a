#!/bin/sh
# One-shot job for the temporal-namespace service (temporalio/admin-tools image).
# Waits until the cluster answers, creates the namespace if it is missing and registers the custom
# search attributes port-sync puts on its workflows, so runs can be filtered in the Web UI.
# Re-running is safe. Adapted from temporalio/samples-server compose/scripts/create-namespace.sh
# (without its `$MAX_ATTdMPTS` typo, which aborts the script under `set -u`).
# Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_NAMESPACE_RETENTION.
set -eu

namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-168h}"
host="${TEMPORAL_ADDRESS%:*}"
port="${TEMPORAL_ADDRESS##*:}"

# Upstream resolves the host to an IPv4 address first to avoid the CLI picking an unusable address.
ip="$(getent ahosts "$host" | awk '/STREAM/ { print $1; exit }')"
address="${ip:-$host}:$port"

echo "temporal-namespace: waiting for the cluster at $TEMPORAL_ADDRESS ($address)"
attempt=1
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  if [ "$attempt" -ge 60 ]; then
    echo "temporal-namespace: cluster not healthy after $attempt attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

if temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
  echo "temporal-namespace: namespace $namespace exists"
else
  echo "temporal-namespace: creating namespace $namespace (retention $retention)"
  temporal operator namespace create --address "$address" --namespace "$namespace" --retention "$retention"
fi

# Registers one search attribute. "already exists" counts as success; anything else is retried because a
# freshly created namespace takes a few seconds to reach every server cache.
register() {
  name="$1"
  type="$2"
  attempt=1
  while :; do
    if out="$(temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$name" --type "$type" 2>&1)"; then
      echo "temporal-namespace: search attribute $name ($type) registered"
      return 0
    fi
    case "$out" in
      *"already exists"*)
        echo "temporal-namespace: search attribute $name exists"
        return 0
        ;;
    esac
    if [ "$attempt" -ge 30 ]; then
      echo "temporal-namespace: cannot register search attribute $name: $out" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

register PortSyncIntegration Keyword
register PortSyncKinds KeywordList
register PortSyncTrigger Keyword
echo "temporal-namespace: done"
