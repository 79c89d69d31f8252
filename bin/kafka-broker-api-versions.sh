#!/usr/bin/env bash
# Kafka's kafka-broker-api-versions.sh, run by Tributary's src/cli/broker-api-versions.ts (same flags, same output).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main="$root/dist/src/cli/broker-api-versions.js"
if [ ! -f "$main" ]; then
  echo "kafka-broker-api-versions.sh: $main is missing; run 'npm ci && npm run build' in $root first" >&2
  exit 1
fi
exec node "$main" "$@"
