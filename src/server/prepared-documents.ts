/**
 * Parsed, validated and compiled documents, kept per process (issue 32, item 2).
 *
 * Apollo keeps each document it has parsed and validated in a "document store" keyed by the SHA-256 of its
 * text, and skips both steps when a request's text is found there; graphql-jit's plans are kept by
 * jit-executor.ts. This store is Apollo's, with one addition: a client app's registered documents are put
 * in it — parsed, validated and compiled — when they are registered, so an app's first request by
 * `documentId` runs on a ready plan like every later one. Another process prepares a registered document
 * when it first loads it from the database, validating it against its own schema first (a deployment may
 * have changed the schema since the registration); one that no longer validates is left to Apollo, which
 * answers with its errors.
 */
import { createHash } from 'node:crypto';
import { parse, specifiedRules, validate, type DocumentNode, type ValidationRule } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { JitPlans } from '../graphql/jit-executor';

/** Documents sent as text and validated, kept as Apollo's own store keeps them. */
const ORDINARY_MAX = 2_000;
/** Registered documents: every app's manifest (at most a few thousand documents each), kept apart so a stream of other documents cannot push them out. */
const REGISTERED_MAX = 50_000;

/** Apollo's key for a document: the hex SHA-256 of its text (after a prefix naming the schema). */
const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

/** Apollo's `documentStore` (a KeyValueCache of DocumentNode), with registered documents prepared ahead. */
export class PreparedDocuments {
  private readonly ordinary = new LRUCache<string, DocumentNode>({ max: ORDINARY_MAX });
  private readonly registered = new LRUCache<string, DocumentNode>({ max: REGISTERED_MAX });
  /** How many documents this process has prepared ahead of their first request (tests read it). */
  prepared = 0;

  constructor(
    private readonly plans: JitPlans,
    private readonly rules: readonly ValidationRule[],
  ) {}

  // Apollo's keys are `<schema hash>:<document hash>`; this store serves one schema, so the document's hash is the key.
  private static key(apolloKey: string): string {
    return apolloKey.slice(apolloKey.lastIndexOf(':') + 1);
  }

  async get(key: string): Promise<DocumentNode | undefined> {
    const hash = PreparedDocuments.key(key);
    return this.registered.get(hash) ?? this.ordinary.get(hash);
  }

  async set(key: string, value: DocumentNode): Promise<void> {
    this.ordinary.set(PreparedDocuments.key(key), value);
  }

  async delete(key: string): Promise<boolean> {
    const hash = PreparedDocuments.key(key);
    return this.registered.delete(hash) || this.ordinary.delete(hash);
  }

  /**
   * Readies registered documents: `validated` when the caller has just validated them against this schema
   * with the request rules (registration, modules/api-client/trusted-documents.ts), else validated here.
   * A document already prepared costs nothing.
   */
  prepare(texts: readonly string[], validated: boolean): void {
    for (const text of texts) {
      const hash = hashOf(text);
      if (this.registered.has(hash)) continue;
      let document: DocumentNode;
      try {
        document = parse(text);
      } catch {
        continue;
      }
      if (!validated && validate(this.plans.schema, document, [...specifiedRules, ...this.rules]).length) continue;
      this.plans.prepare(document, hash);
      this.registered.set(hash, document);
      this.prepared++;
    }
  }
}
