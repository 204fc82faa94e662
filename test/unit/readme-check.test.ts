/** How `npm run readme:check` (scripts/readme-check.ts, run by CI) reads the README's commands. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellBlocks, translate } from '../../scripts/readme-check';

const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
const env = { tests: false, docker: false };

describe('readme:check', () => {
  it("runs the README's own blocks, in order, with the server in the background and stopped where the reader stops it", () => {
    const script = shellBlocks(readme)
      .map((b) => translate(b, env))
      .join('\n');
    expect(script).toContain('npm install && start_server npm start');
    expect(script).toContain('start_server npm run start:prod');
    expect(script.indexOf('stop_server')).toBeLessThan(script.indexOf('npm run import'));
    expect(script.indexOf('/export/institutions.csv')).toBeLessThan(script.indexOf('stop_server'));
    expect(script).toContain("FIRST_ADMIN_PASSWORD='readme-check-first-admin'");
    expect(script).not.toMatch(/^npm test/m);
    expect(script).toMatch(/skipped, it needs Docker/);
  });

  it('keeps continued lines together and refuses a placeholder it has no value for', () => {
    expect(translate({ line: 1, text: 'curl -s \\\n  localhost' }, env)).toContain('curl -s \\\n  localhost');
    expect(() => translate({ line: 7, text: "export SECRET_THING='…'" }, env)).toThrow(/SECRET_THING/);
  });
});
