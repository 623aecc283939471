#!/bin/sh
# PostToolUse hook: POST /unlock for the file Claude just edited. Always exits 0.
port=${FILE_LOCK_PORT:-9876}
body=$(node "$(dirname "$0")/lock-body.mjs") || exit 0
curl -s --max-time 5 -X POST "http://127.0.0.1:$port/unlock" -H 'Content-Type: application/json' -d "$body" >/dev/null 2>&1
exit 0
