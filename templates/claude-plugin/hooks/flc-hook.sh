#!/bin/sh
# Runs `flc hook claude` with the hook payload on stdin. Finds flc without npx (which costs
# hundreds of milliseconds per edit): the project's own dev dependency first, then PATH.
# Without flc it allows everything; at SessionStart (--session-start) it tells the user.
if [ -n "$CLAUDE_PROJECT_DIR" ] && [ -x "$CLAUDE_PROJECT_DIR/node_modules/.bin/flc" ]; then
  exec "$CLAUDE_PROJECT_DIR/node_modules/.bin/flc" hook claude
fi
if command -v flc >/dev/null 2>&1; then
  exec flc hook claude
fi
message="flc: the flc plugin cannot find flc (neither node_modules/.bin/flc nor flc on PATH; npm install --save-dev file-lock-coordinator). Until then, edits in this session are NOT coordinated with other sessions."
if [ "$1" = "--session-start" ]; then
  printf '{"systemMessage": "%s"}\n' "$message"
else
  echo "$message" >&2
fi
exit 0
