#!/usr/bin/env bash
# Kafka's kafka-metadata-quorum.sh, run by Tributary's src/cli/metadata-quorum.ts (same flags, same output).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
main="$root/dist/src/cli/metadata-quorum.js"
if [ ! -f "$main" ]; then
  echo "kafka-metadata-quorum.sh: $main is missing; run 'npm ci && npm run build' in $root first" >&2
  exit 1
fi
exec node "$main" "$@"
