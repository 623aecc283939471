#!/bin/sh
# Runs `flc hook claude` with the hook payload on stdin. Finds flc without npx (which costs
# hundreds of milliseconds per edit): the project's own dev dependency first, then PATH.
# Without flc it allows everything, with one warning.
if [ -n "$CLAUDE_PROJECT_DIR" ] && [ -x "$CLAUDE_PROJECT_DIR/node_modules/.bin/flc" ]; then
  exec "$CLAUDE_PROJECT_DIR/node_modules/.bin/flc" hook claude
fi
if command -v flc >/dev/null 2>&1; then
  exec flc hook claude
fi
echo "flc: not installed (npm install -D file-lock-coordinator); edits are not coordinated" >&2
exit 0
