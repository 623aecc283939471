// The one place flc imports clipanion: the bundler then wraps the CommonJS package once, not
// once per command module (which costs start-up time on every run).
export { Builtins, Cli, Command, Option } from 'clipanion';
