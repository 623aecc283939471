import { describe, expect, it } from 'vitest';
import { parseClaudePayload } from '../../src/agents/claude.js';
import { type ShellAnalysis, analyzeCommand, joinDir } from '../../src/core/shell.js';

/**
 * One line per effect, so a table row says everything the analysis found:
 *   `git <verb> <effect> <paths|*> [-u] [-x] [ref=..] [?] [dyn] [@dir]` and `write <path> (<via>) [glob] [@dir]`.
 * Git verbs without effect are left out; `!` starts the list of an unparsed command.
 */
function summary(analysis: ShellAnalysis): string[] {
  const lines: string[] = analysis.ok ? [] : ['!'];
  for (const c of analysis.commands) {
    const at = (dir: string | null) => (dir === '' ? '' : ` @${dir ?? '?'}`);
    if (c.git && c.git.effect !== 'none') {
      const g = c.git;
      const paths = ['discard', 'stash', 'remove', 'move'].includes(g.effect) ? ` ${g.paths.length ? g.paths.join(',') : '*'}` : '';
      lines.push(
        `git ${g.verb} ${g.effect}${paths}${g.untracked ? ' -u' : ''}${g.ignored ? ' -x' : ''}${g.ref ? ` ref=${g.ref}` : ''}${g.to ? ` to=${g.to}` : ''}${g.ambiguous ? ' ?' : ''}${g.dynamic ? ' dyn' : ''}${at(c.gitDir !== undefined ? c.gitDir : c.cwd)}`,
      );
    }
    for (const w of c.writes) lines.push(`write ${w.path} (${w.via})${w.glob ? ' glob' : ''}${w.dynamic ? ' dyn' : ''}${w.sources ? ` from=${w.sources.join(',')}` : ''}${at(c.cwd)}`);
  }
  return lines;
}

const TABLE: Array<[string, string[]]> = [
  // harmless
  ['ls -la', []],
  ['git status', []],
  ['git diff --stat HEAD~1', []],
  ['git log --oneline -5 | cat', []],
  ['npm test 2>&1 | tail -20', []],
  ['cat src/a.ts', []],
  ['grep -rn "TODO" src/ | head', []],
  ['echo hello', []],
  ['git add -A && git commit -m "fix: x"', []],
  ['git commit -am "wip; with && inside"', []],
  ['git reset HEAD~1', []],
  ['git reset -- src/a.ts', []],
  ['git restore --staged src/a.ts', []],
  ['git rm --cached secrets.env', []],
  ['git clean -n', []],
  ['git clean -fdn', []],
  ['git stash list', []],
  ['git stash show -p stash@{1}', []],
  ['git checkout -b feature/x', []],
  ['git switch -c fix-1', []],
  ['git fetch origin && git log origin/main..HEAD', []],
  ['npx vitest run tests/unit/x.test.ts 2>/dev/null', []],
  ['find . -name "*.ts" | xargs wc -l', []],
  ['[[ -f package.json ]] && echo yes', []],
  ['for f in *.ts; do echo "$f"; done', []],
  ['echo "$(git rev-parse HEAD)"', []],
  ['python3 -c "open(\'x\',\'w\').write(\'1\')"', []],
  ['node -e "require(\'fs\').writeFileSync(\'y\', \'2\')"', []],
  ['make build > /dev/null 2>&1', []],
  ['echo done >&2', []],
  ['cmd 2>&1 >/dev/null', []],
  ['git merge feature', []],
  ['git cherry-pick abc123', []],
  ['git stash create', []],
  ['git stash push --staged', []],
  ['sed -n "1,20p" src/a.ts', []],
  ['perl -ne "print if /x/" file.txt', []],
  // git stash
  ['git stash', ['git stash stash *']],
  ['git stash -u', ['git stash stash * -u']],
  ['git stash --include-untracked', ['git stash stash * -u']],
  ['git stash -a', ['git stash stash * -u -x']],
  ['git stash push -m "wip" -- src/a.ts src/b.ts', ['git stash stash src/a.ts,src/b.ts']],
  ['git stash push src/a.ts', ['git stash stash src/a.ts']],
  ['git stash save "my work"', ['git stash stash *']],
  ['git stash -k', ['git stash stash *']],
  ['git stash pop', ['git stash stash-use ref=stash@{0}']],
  ['git stash apply stash@{2}', ['git stash stash-use ref=stash@{2}']],
  ['git stash drop stash@{1}', ['git stash stash-use ref=stash@{1}']],
  ['git stash clear', ['git stash stash-use ref=*']],
  ['git stash branch tmp stash@{3}', ['git stash stash-use ref=stash@{3}']],
  ['git stash && git pull && git stash pop', ['git stash stash *', 'git pull rewrite', 'git stash stash-use ref=stash@{0}']],
  // reset
  ['git reset --hard', ['git reset discard *']],
  ['git reset --hard HEAD~2', ['git reset discard * ref=HEAD~2']],
  ['git reset --hard origin/main', ['git reset discard * ref=origin/main']],
  ['git reset --merge', ['git reset discard *']],
  ['git reset --keep HEAD^', ['git reset discard * ref=HEAD^']],
  ['git fetch && git reset --hard @{u}', ['git reset discard * ref=@{u}']],
  // checkout / restore / switch
  ['git checkout -- .', ['git checkout discard .']],
  ['git checkout .', ['git checkout switch ref=. ?']],
  ['git checkout -- src/a.ts', ['git checkout discard src/a.ts']],
  ['git checkout HEAD -- src/a.ts src/b.ts', ['git checkout discard src/a.ts,src/b.ts ref=HEAD']],
  ['git checkout main~3 src/a.ts', ['git checkout discard src/a.ts ref=main~3 ?']],
  ['git checkout main', ['git checkout switch ref=main ?']],
  ['git checkout -', ['git checkout switch ref=-']],
  ['git checkout -f main', ['git checkout discard * ref=main ?']],
  ['git checkout -f', ['git checkout discard *']],
  ['git checkout -b hotfix origin/main', ['git checkout switch ref=origin/main']],
  ['git checkout -p src/a.ts', ['git checkout discard *']],
  ['git checkout --theirs -- conflicted.txt', ['git checkout discard conflicted.txt']],
  ['git restore .', ['git restore discard .']],
  ['git restore src/a.ts', ['git restore discard src/a.ts']],
  ['git restore --source=HEAD~1 -- src/a.ts', ['git restore discard src/a.ts']],
  ['git restore -s main src/a.ts', ['git restore discard src/a.ts']],
  ['git restore --staged --worktree src/a.ts', ['git restore discard src/a.ts']],
  ['git restore -SW .', ['git restore discard .']],
  ['git switch main', ['git switch switch ref=main']],
  ['git switch --discard-changes main', ['git switch discard * ref=main']],
  ['git switch -f develop', ['git switch discard * ref=develop']],
  ['git switch -c feat origin/feat', ['git switch switch ref=origin/feat']],
  // clean
  ['git clean -f', ['git clean discard * -u']],
  ['git clean -fd', ['git clean discard * -u']],
  ['git clean -fdx', ['git clean discard * -u -x']],
  ['git clean -fX', ['git clean discard * -x']],
  ['git clean -f -d -- build/ tmp/', ['git clean discard build/,tmp/ -u']],
  ['git clean --force src/gen', ['git clean discard src/gen -u']],
  // rm, mv, rebase, pull, aborts
  ['git rm src/old.ts', ['git rm remove src/old.ts']],
  ['git rm -r --quiet docs/', ['git rm remove docs/']],
  ['git mv src/a.ts src/b.ts', ['git mv move src/a.ts to=src/b.ts', 'write src/b.ts (git mv)']],
  ['git rebase main', ['git rebase rewrite']],
  ['git rebase -i HEAD~3', ['git rebase rewrite']],
  ['git rebase --abort', ['git rebase rewrite']],
  ['git pull --rebase origin main', ['git pull rewrite']],
  ['git merge --abort', ['git merge discard *']],
  ['git worktree remove --force ../wt-feature', ['git worktree discard * -u @../wt-feature']],
  ['git worktree remove ../wt-clean', []],
  ['git worktree add ../wt -b x', []],
  ['git cherry-pick --abort', ['git cherry-pick discard *']],
  // directories
  ['cd src && git checkout -- .', ['git checkout discard . @src']],
  ['cd packages/app; git stash -u', ['git stash stash * -u @packages/app']],
  ['git -C packages/app reset --hard', ['git reset discard * @packages/app']],
  ['cd a && git -C ../b restore x.ts', ['git restore discard x.ts @b']],
  ['(cd sub && git reset --hard) && git clean -fd', ['git reset discard * @sub', 'git clean discard * -u']],
  ['cd /tmp/other && git stash', ['git stash stash * @/tmp/other']],
  ['cd "$DIR" && git stash', ['git stash stash * @?']],
  ['cd && git status && rm -f x', ['write x (rm) @?']],
  ['pushd lib >/dev/null && echo > out.txt', ['write out.txt (>) @lib']],
  ['cd src | true; git stash', ['git stash stash *']],
  ['git -c core.autocrlf=false -C sub checkout .', ['git checkout switch ref=. ? @sub']],
  ['git --no-pager -C "my dir" stash', ['git stash stash * @my dir']],
  // env prefixes, wrappers, nesting
  ['GIT_DIR=.git git stash', ['git stash stash *']],
  ['A=1 B="two words" git reset --hard', ['git reset discard *']],
  ['env FOO=bar git clean -fd', ['git clean discard * -u']],
  ['sudo -u dev git checkout -- .', ['git checkout discard .']],
  ['timeout 30s git stash', ['git stash stash *']],
  ['nohup git pull &', ['git pull rewrite']],
  ['bash -c "git stash -u && git pull"', ['git stash stash * -u', 'git pull rewrite']],
  ["sh -c 'cd web && echo x > index.html'", ['write index.html (>) @web']],
  ['eval "git reset --hard"', ['git reset discard *']],
  ["bash <<'EOF'\ncd web\ngit checkout -- .\nEOF", ['git checkout discard . @web']],
  ['sh -s <<EOF\necho hi > greeting.txt\nEOF', ['write greeting.txt (>)']],
  ['bash script.sh <<EOF\ngit stash\nEOF', []],
  ['echo $(git stash)', ['git stash stash *']],
  ['if git diff --quiet; then echo clean; else git stash; fi', ['git stash stash *']],
  ['while read f; do git checkout -- "$f"; done < list.txt', ['git checkout discard $f dyn']],
  ['git checkout -- $FILES', ['git checkout discard $FILES dyn']],
  ['git $CMD', ['git $CMD discard * dyn']],
  ['{ git stash; git pull; } 2>&1', ['git stash stash *', 'git pull rewrite']],
  // redirections and heredocs
  ['echo hi > notes.txt', ['write notes.txt (>)']],
  ['echo hi >> notes.txt', ['write notes.txt (>>)']],
  ['printf "%s\\n" a b >| out', ['write out (>|)']],
  ['npm run build &> build.log', ['write build.log (&>)']],
  ['cmd 2> "err log.txt"', ['write err log.txt (>)']],
  ["echo 'a > b' > real.txt", ['write real.txt (>)']],
  ['cat > src/config.json <<EOF\n{"a": 1}\nEOF', ['write src/config.json (>)']],
  ["cat <<'EOF' > script.sh\necho $HOME > not-a-target\nEOF", ['write script.sh (>)']],
  ['cat <<-EOF >> README.md\n\tline\n\tEOF\ngit add README.md', ['write README.md (>>)']],
  ['tee -a log.txt < input', ['write log.txt (tee)']],
  ['echo x | tee a.txt b.txt > /dev/null', ['write a.txt (tee)', 'write b.txt (tee)']],
  ['echo x | sudo tee /etc/hosts', ['write /etc/hosts (tee)']],
  ['cd docs && cat > index.md << "END"\n# Title\nEND', ['write index.md (>) @docs']],
  ['{ echo a; echo b; } > both.txt', ['write both.txt (>)']],
  ['(echo a) > sub.txt', ['write sub.txt (>)']],
  ['for i in 1 2; do echo $i; done > nums.txt', ['write nums.txt (>)']],
  ['exec 3> fd3.txt', ['write fd3.txt (>)']],
  ['echo > *.log', ['write *.log (>) glob']],
  ['echo x > ~/notes.txt', ['write ~/notes.txt (>) dyn']],
  ['cp a.txt "$DEST"', ['write $DEST (cp) dyn from=a.txt']],
  // in-place editors
  ['sed -i "s/foo/bar/g" src/a.ts', ['write src/a.ts (sed -i)']],
  ["sed -i.bak -e 's/a/b/' -e 's/c/d/' x.txt y.txt", ['write x.txt (sed -i)', 'write y.txt (sed -i)']],
  ["sed -i '' 's/a/b/' mac.txt", ['write mac.txt (sed -i)']],
  ['sed --in-place=.orig "1d" data.csv', ['write data.csv (sed -i)']],
  ['sed -ni "/x/p" f.txt', ['write f.txt (sed -i)']],
  ['find . -name "*.ts" -exec sed -i "s/a/b/" {} +', []],
  ["perl -pi -e 's/foo/bar/' lib/a.pm", ['write lib/a.pm (perl -i)']],
  ["perl -i.bak -pe 's/x/y/' a.txt b.txt", ['write a.txt (perl -i)', 'write b.txt (perl -i)']],
  ['perl -0777 -i -pe "s/a/b/s" c.txt', ['write c.txt (perl -i)']],
  // file utilities
  ['touch src/new.ts', ['write src/new.ts (touch)']],
  ['mkdir -p lib && touch lib/a lib/b', ['write lib/a (touch)', 'write lib/b (touch)']],
  ['rm -rf dist build', ['write dist (rm)', 'write build (rm)']],
  ['rm -- -weird', ['write -weird (rm)']],
  ['rm *.orig', ['write *.orig (rm) glob']],
  ['cp src/a.ts src/b.ts', ['write src/b.ts (cp) from=src/a.ts']],
  ['cp -r templates/ out/', ['write out/ (cp) from=templates/']],
  ['cp a.txt b.txt dest/', ['write dest/ (cp) from=a.txt,b.txt']],
  ['cp -t dest a b', ['write dest (cp) from=a,b']],
  ['mv old.ts new.ts', ['write old.ts (mv)', 'write new.ts (mv) from=old.ts']],
  ['truncate -s 0 app.log', ['write app.log (truncate)']],
  ['dd if=/dev/zero of=blob.bin bs=1k count=1', ['write blob.bin (dd)']],
  ['ln -sf ../shared/x.ts src/x.ts', ['write src/x.ts (ln) from=../shared/x.ts']],
  ['cd src && mv a.ts b.ts && git add -A', ['write a.ts (mv) @src', 'write b.ts (mv) from=a.ts @src']],
  // quoting
  ['git checkout -- "file with spaces.ts"', ['git checkout discard file with spaces.ts']],
  ["git checkout -- 'it''s.txt'", ['git checkout discard its.txt']],
  ['git stash push -- $\'tab\\tname\'', ['git stash stash tab\tname']],
  ['echo "a && git stash"', []],
  ["echo 'git reset --hard'", []],
  ['git commit -m "$(cat <<EOF\nmessage > not a file\nEOF\n)"', []],
];

describe('analyzeCommand over real-world commands', () => {
  it('has at least 100 rows', () => expect(TABLE.length).toBeGreaterThanOrEqual(100));
  for (const [command, expected] of TABLE) {
    it(command.replace(/\n/g, '⏎'), () => {
      const analysis = analyzeCommand(command);
      expect(summary(analysis)).toEqual(expected);
    });
  }
});

describe('analyzeCommand on what it cannot read', () => {
  it('says so instead of throwing on an unfinished command', () => {
    const analysis = analyzeCommand('echo "unterminated');
    expect(analysis.ok).toBe(false);
    if (!analysis.ok) expect(analysis.problem).toMatch(/cannot parse/);
  });
  it('keeps what it could read of a broken command', () => {
    const analysis = analyzeCommand('git stash; if then fi');
    expect(analysis.ok).toBe(false);
    expect(analysis.commands.some((c) => c.git?.effect === 'stash')).toBe(true);
  });
  it('marks a redirection to a name known only when it runs', () => {
    const analysis = analyzeCommand('echo x > "$OUT"');
    expect(analysis.ok).toBe(true);
    expect(analysis.commands[0]!.writes).toEqual([{ path: '$OUT', via: '>', dynamic: true }]);
  });
  it('refuses absurdly long input without parsing it', () => {
    expect(analyzeCommand('a'.repeat(300_000)).ok).toBe(false);
  });
  it('is not fooled by deep nesting', () => {
    const analysis = analyzeCommand(`${'bash -c "'.repeat(1)}git stash"`);
    expect(analysis.commands.some((c) => c.git?.effect === 'stash')).toBe(true);
  });
});

describe('joinDir', () => {
  it('joins and normalises', () => {
    expect(joinDir('', 'a/b/../c')).toBe('a/c');
    expect(joinDir('a', '..')).toBe('');
    expect(joinDir('', '../x')).toBe('../x');
    expect(joinDir(null, 'x')).toBe(null);
    expect(joinDir(null, '/abs/./d')).toBe('/abs/d');
  });
});

describe('the Claude Code Bash payload', () => {
  it('carries tool_input.command, long ones too', () => {
    const command = `echo ${'x'.repeat(10_000)} > f`;
    const parsed = parseClaudePayload(JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 's', tool_name: 'Bash', tool_input: { command } }));
    expect(parsed.ok && parsed.payload.command).toBe(command);
    const none = parseClaudePayload(JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 's', tool_name: 'Bash', tool_input: { command: 42 } }));
    expect(none.ok && none.payload.command).toBeUndefined();
  });
});
