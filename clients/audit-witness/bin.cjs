#!/usr/bin/env node
// From a checkout, after `npm install` at its root: `npx ./clients/audit-witness run --log … --log-key …`.
require('../run-cli.cjs')('audit-witness');
