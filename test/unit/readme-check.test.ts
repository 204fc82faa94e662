/** How `npm run readme:check` (scripts/readme-check.ts, run by CI) reads the README's commands. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentedBlocks, shellBlocks, translate } from '../../scripts/readme-check';

const root = path.resolve(__dirname, '../..');
const env = { tests: false, docker: false };

describe('readme:check', () => {
  it("runs the README's and the guides' blocks, in order, with the server in the background and stopped where the reader stops it", () => {
    const script = documentedBlocks(root)
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

  it('takes every block of every guide in docs/', () => {
    const files = new Set(documentedBlocks(root).map((b) => b.file));
    expect([...files]).toEqual(expect.arrayContaining(['README', 'docs/clients.md', 'docs/operations.md']));
    expect(shellBlocks(readFileSync(path.join(root, 'README.md'), 'utf8')).length).toBeGreaterThan(1);
  });

  it('keeps continued lines together and refuses a placeholder it has no value for', () => {
    expect(translate({ line: 1, text: 'curl -s \\\n  localhost' }, env)).toContain('curl -s \\\n  localhost');
    expect(() => translate({ line: 7, text: "export SECRET_THING='…'" }, env)).toThrow(/SECRET_THING/);
  });
});
