#!/usr/bin/env bash
# Kafka's kafka-console-producer.sh, run by Tributary's src/cli/console-producer.ts (same flags, same output).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main="$root/dist/src/cli/console-producer.js"
if [ ! -f "$main" ]; then
  echo "kafka-console-producer.sh: $main is missing; run 'npm ci && npm run build' in $root first" >&2
  exit 1
fi
exec node "$main" "$@"
