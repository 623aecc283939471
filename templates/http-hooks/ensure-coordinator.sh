#!/bin/sh
# SessionStart hook: make sure `flc serve` answers on FILE_LOCK_PORT (default 9876); start it
# in the background, in the project directory, when it does not. Never blocks the session.
port=${FILE_LOCK_PORT:-9876}
url="http://127.0.0.1:$port/health"
curl -sf --max-time 1 "$url" >/dev/null 2>&1 && exit 0
dir=${CLAUDE_PROJECT_DIR:-$(pwd)}
if [ -x "$dir/node_modules/.bin/flc" ]; then flc="$dir/node_modules/.bin/flc"; else flc=flc; fi
(cd "$dir" && nohup "$flc" serve --port "$port" >/dev/null 2>&1 &)
i=0
while [ $i -lt 50 ]; do
  curl -sf --max-time 1 "$url" >/dev/null 2>&1 && exit 0
  sleep 0.1
  i=$((i + 1))
done
echo "flc: could not start the lock coordinator on port $port; edits are not coordinated" >&2
exit 0
