#!/usr/bin/env bash
# Kafka's kafka-console-consumer.sh, run by Tributary's src/cli/console-consumer.ts (same flags, same output).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main="$root/dist/src/cli/console-consumer.js"
if [ ! -f "$main" ]; then
  echo "kafka-console-consumer.sh: $main is missing; run 'npm ci && npm run build' in $root first" >&2
  exit 1
fi
exec node "$main" "$@"
