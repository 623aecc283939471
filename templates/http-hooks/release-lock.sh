#!/bin/sh
# PostToolUse hook: POST /unlock for the file Claude just edited. Always exits 0.
port=${FILE_LOCK_PORT:-9876}
body=$(node -e '
  let s = "";
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    try {
      const p = JSON.parse(s);
      const input = p.tool_input || {};
      const file = input.file_path || input.notebook_path;
      if (!file || !p.session_id) process.exit(3);
      process.stdout.write(JSON.stringify({ session: process.env.CLAUDE_SESSION_ID || p.session_id, file }));
    } catch { process.exit(3); }
  });') || exit 0
curl -s --max-time 5 -X POST "http://127.0.0.1:$port/unlock" -H 'Content-Type: application/json' -d "$body" >/dev/null 2>&1
exit 0
