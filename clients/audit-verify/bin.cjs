#!/usr/bin/env node
// From a checkout, after `npm install` at its root: `npx ./clients/audit-verify --log-key … bundle.jsonl`.
require('../run-cli.cjs')('audit-verify');
