#!/usr/bin/env node
// The `docat` command. npm links this file when it installs the workspace, before the
// build has run, so it is plain JavaScript that is always present; it starts the
// compiled CLI, which `npm ci` (its prepare step) or `npm run build` produces.
import { existsSync } from 'node:fs';

const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(
    `docat needs Node.js 24 or newer (this is ${process.version}); run it as \`npx docat\` from the repository, which uses the project's own Node.js.`,
  );
  process.exit(1);
}
const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error(
    'docat is not built yet: run `npm run build` in the repository root (`npm ci` builds it too).',
  );
  process.exit(1);
}
await import(main.href);
