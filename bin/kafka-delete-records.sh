#!/usr/bin/env bash
# Kafka's kafka-delete-records.sh, run by Tributary's src/cli/delete-records.ts (same flags, same output).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main="$root/dist/src/cli/delete-records.js"
if [ ! -f "$main" ]; then
  echo "kafka-delete-records.sh: $main is missing; run 'npm ci && npm run build' in $root first" >&2
  exit 1
fi
exec node "$main" "$@"
