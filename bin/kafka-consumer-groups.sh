#!/usr/bin/env bash
# Kafka's kafka-consumer-groups.sh, run by Tributary's src/cli/consumer-groups.ts (same flags, same output).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main="$root/dist/src/cli/consumer-groups.js"
if [ ! -f "$main" ]; then
  echo "kafka-consumer-groups.sh: $main is missing; run 'npm ci && npm run build' in $root first" >&2
  exit 1
fi
exec node "$main" "$@"
