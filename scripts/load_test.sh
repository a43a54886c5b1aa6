#!/usr/bin/env bash
# Load test: gunicorn with 2 workers on loopback, wrk as a second process with 50
# connections for 60 s, mixing page views, validations and mappings (scripts/load_mix.lua).
# Usage: scripts/load_test.sh [SECONDS] [CONNECTIONS]; needs Debian's wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
connections="${2:-50}"
port="${LOAD_PORT:-8765}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }

export OCSF_WORKBENCH_LOG_LEVEL=WARNING
export OCSF_WORKBENCH_SECRET_KEY="load-test-only"
.venv/bin/gunicorn -w 2 -b "127.0.0.1:$port" --log-level warning 'webapp:create_app()' &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.2
done

export LOAD_EVENT_FILE="schema/examples/script_activity.json"
export LOAD_VENDOR_FILE="tests/samples/mde/log_analytics_export_scriptcontent.json"
# Warm both workers (releases load lazily) before measuring.
wrk -t2 -c4 -d3s -s scripts/load_mix.lua "http://127.0.0.1:$port" >/dev/null
wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s scripts/load_mix.lua \
  "http://127.0.0.1:$port"
