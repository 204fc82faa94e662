/**
 * Writes trusted-documents.json: every operation of src/generated/graphql.ts, keyed by its document id
 * (`sha256:<hex>` of its text), the text exactly as the client sends it — after Apollo Client's cache has
 * added `__typename` everywhere, printed by graphql-js. An app's ADMIN registers this file for the app
 * (`registerTrustedDocuments`, or `npm run trusted-documents` in the API's checkout); a client made with
 * `trustedDocuments: true` then sends only these ids.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { InMemoryCache } from '@apollo/client';
import { print, type DocumentNode } from 'graphql';
import * as documents from '../src/generated/graphql';
import { possibleTypes } from '../src/schema-facts';

/** The text Apollo Client sends for `document`. */
export function sentText(cache: InMemoryCache, document: DocumentNode): string {
  return print(cache.transformDocument(document));
}

const cache = new InMemoryCache({ possibleTypes });
const manifest: Record<string, string> = {};
for (const [name, value] of Object.entries(documents)) {
  if (!name.endsWith('Document') || typeof value !== 'object' || (value as DocumentNode).kind !== 'Document') continue;
  const text = sentText(cache, value as DocumentNode);
  manifest[`sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`] = text;
}
const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(path.resolve(__dirname, '..', 'trusted-documents.json'), `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`trusted-documents.json: ${Object.keys(sorted).length} documents`);
