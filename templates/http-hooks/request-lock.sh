#!/bin/sh
# PreToolUse hook: POST /lock for the file Claude is about to edit.
#   request-lock.sh [--wait] [--timeout SECONDS]   (the seed's: --wait --timeout 60)
# Granted: exit 0, silently. Denied: exit 2 with the reason on stderr, so Claude reads it.
# Coordinator unreachable or unexpected input: allow, with a warning (fail open).
wait=false
timeout=60
while [ $# -gt 0 ]; do
  case "$1" in
    --wait) wait=true ;;
    --timeout) shift; timeout=$1 ;;
  esac
  shift
done
port=${FILE_LOCK_PORT:-9876}
body=$(node "$(dirname "$0")/lock-body.mjs") || exit 0
response=$(curl -s --max-time $((timeout + 10)) -X POST "http://127.0.0.1:$port/lock?wait=$wait&timeout=${timeout}s" \
  -H 'Content-Type: application/json' -d "$body") || {
  echo "flc: lock coordinator unreachable on port $port; edit allowed" >&2
  exit 0
}
case "$response" in
  *'"granted":true'*) exit 0 ;;
  *'"granted":false'*)
    printf '%s' "$response" | node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const r = JSON.parse(s);
        process.stderr.write(`flc: this edit was not made: ${r.error} (held by ${r.holder}, waited ${r.waited}s). Work on other files and try this one later.\n`);
      });'
    exit 2 ;;
  *) echo "flc: unexpected answer from the lock coordinator: $response; edit allowed" >&2; exit 0 ;;
esac
