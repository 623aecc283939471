// Turns a Claude Code hook payload (stdin) into the lock API's body { session, file } (stdout).
// Exits 3, printing nothing, when the payload names no session or file: the caller then allows.
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  try {
    const payload = JSON.parse(input);
    const toolInput = payload.tool_input || {};
    const file = toolInput.file_path || toolInput.notebook_path;
    const session = process.env.CLAUDE_SESSION_ID || payload.session_id;
    if (!file || !session) process.exit(3);
    process.stdout.write(JSON.stringify({ session, file }));
  } catch {
    process.exit(3);
  }
});
