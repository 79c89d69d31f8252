#!/usr/bin/env bash
# Kafka's kafka-server-start.sh: runs a Tributary node.
#   bin/kafka-server-start.sh config/server.properties [--override key=value ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main="$root/dist/src/server/main.js"
if [ ! -f "$main" ]; then
  echo "kafka-server-start.sh: $main is missing; run 'npm ci && npm run build' in $root first" >&2
  exit 1
fi
exec node "$main" "$@"
