#!/usr/bin/env bash
# Kafka's kafka-producer-perf-test.sh, run by Tributary's src/cli/producer-perf-test.ts (same flags, same output).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main="$root/dist/src/cli/producer-perf-test.js"
if [ ! -f "$main" ]; then
  echo "kafka-producer-perf-test.sh: $main is missing; run 'npm ci && npm run build' in $root first" >&2
  exit 1
fi
exec node "$main" "$@"
