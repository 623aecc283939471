// The bundle entry for `flc hook claude` (dist/hook.cjs): the hook path only, without the
// command-line framework, so the few milliseconds of loading it are not paid on every edit.
import { hookMain } from './hooks/main.js';

void hookMain();
