#!/usr/bin/env node
// From a checkout, after `npm install` at its root: `npx ./clients/audit-witness run --log … --log-key …`.
// Runs the witness's source (src/cli/audit-witness.ts) with the checkout's tsx, or its build without it.
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..');
try {
  require.resolve('tsx/cjs', { paths: [root] });
} catch {
  require(path.join(root, 'dist', 'src', 'cli', 'audit-witness.js'));
  return;
}
require(require.resolve('tsx/cjs', { paths: [root] }));
require(path.join(root, 'src', 'cli', 'audit-witness.ts'));
