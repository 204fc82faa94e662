import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, loadDotEnv } from '../../src/config';

const root = path.resolve(__dirname, '..', '..');
/** Every variable `loadConfig` reads, from its source. */
const readByConfig = [...new Set([...readFileSync(path.join(root, 'src/config.ts'), 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]))];

describe('settings', () => {
  it('.env.example and docs/operations.md name every variable the server reads', () => {
    const example = readFileSync(path.join(root, '.env.example'), 'utf8');
    const readme = readFileSync(path.join(root, 'docs', 'operations.md'), 'utf8');
    expect(readByConfig.length).toBeGreaterThan(15);
    for (const name of readByConfig) {
      // The one that names the file is set outside it.
      if (name !== 'SINERGI_ENV_FILE') expect(example, name).toMatch(new RegExp(`^#?${name}=`, 'm'));
      expect(readme, name).toContain(`\`${name}\``);
    }
  });

  it('.env.example, as shipped, changes nothing: every line is a comment', () => {
    const lines = readFileSync(path.join(root, '.env.example'), 'utf8').split('\n');
    expect(lines.filter((l) => l.trim() !== '' && !l.startsWith('#'))).toEqual([]);
  });

  it('reads .env into the environment, where variables already set win', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sinergi-env-'));
    writeFileSync(path.join(dir, '.env'), 'SINERGI_TEST_FROM_FILE=file\nSINERGI_TEST_ALREADY_SET=file\n');
    process.env.SINERGI_TEST_ALREADY_SET = 'environment';
    try {
      expect(loadDotEnv({ NODE_ENV: 'production' }, dir)).toBe(path.join(dir, '.env'));
      expect(process.env.SINERGI_TEST_FROM_FILE).toBe('file');
      expect(process.env.SINERGI_TEST_ALREADY_SET).toBe('environment');
    } finally {
      delete process.env.SINERGI_TEST_FROM_FILE;
      delete process.env.SINERGI_TEST_ALREADY_SET;
    }
  });

  it('reads the file SINERGI_ENV_FILE names, and refuses one that does not exist', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sinergi-env-'));
    writeFileSync(path.join(dir, 'prod.env'), 'SINERGI_TEST_NAMED=yes\n');
    try {
      expect(loadDotEnv({ SINERGI_ENV_FILE: 'prod.env' }, dir)).toBe(path.join(dir, 'prod.env'));
      expect(process.env.SINERGI_TEST_NAMED).toBe('yes');
    } finally {
      delete process.env.SINERGI_TEST_NAMED;
    }
    expect(() => loadDotEnv({ SINERGI_ENV_FILE: 'missing.env' }, dir)).toThrow(/SINERGI_ENV_FILE names .*missing\.env/);
  });

  it('reads nothing when there is no .env, or under the tests', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sinergi-env-'));
    expect(loadDotEnv({}, dir)).toBeNull();
    writeFileSync(path.join(dir, '.env'), 'SINERGI_TEST_UNDER_TEST=read\n');
    expect(loadDotEnv({ NODE_ENV: 'test' }, dir)).toBeNull();
    expect(process.env.SINERGI_TEST_UNDER_TEST).toBeUndefined();
  });

  it('a bad value in the file is refused at start-up like one in the environment', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a whole number/);
  });
});
