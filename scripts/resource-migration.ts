/**
 * Where the database side of the declarations (resource-sql.ts) is written in
 * a migration: a `STATEMENTS` list, in a migration of its own
 * (`npm run db:resources`) or beside an entity change (`npm run
 * migration:create`), so one change to a resource makes one migration.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The statements as a migration file writes them. */
export const statementsBlock = (statements: readonly string[]) => `const STATEMENTS: string[] = ${JSON.stringify(statements, null, 2)};`;

/** The newest migration that writes the declarations' statements, and its block. */
export function newestStatements(dir: string): { file: string; statements: string } | null {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .reverse()) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const at = text.indexOf('const STATEMENTS: string[] = ');
    if (at >= 0) return { file, statements: text.slice(at, text.indexOf('];', at) + 2) };
  }
  return null;
}

/** A migration the ORM wrote, with the declarations' statements run after its own. */
export function withStatements(migration: string, statements: readonly string[]): string {
  const up = migration.indexOf('override async up(): Promise<void> {');
  if (up < 0) throw new Error('no up() in the migration');
  const body = migration.indexOf('\n  }', up);
  return `${migration.slice(0, body)}\n    // The database side of the resource declarations (npm run db:resources).\n    for (const sql of STATEMENTS) this.addSql(sql);${migration.slice(body)}\n\n${statementsBlock(statements)}\n`;
}
