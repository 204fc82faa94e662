/**
 * Trusted documents at request time (issue 32, item 2). A client app sends `documentId` (`sha256:<hex>`),
 * by POST or, for queries, by GET, as the GraphQL-over-HTTP persisted-documents form has it; the text is
 * the one its ADMIN registered for it, and runs as if it had been sent. An app whose ADMIN requires
 * trusted documents (the default in production) has a document sent as text refused: a stolen app token
 * then runs only what the app itself runs. Staff, who write their own queries, are never held to this.
 *
 * Only tokens of client apps are looked up (their claims say so). What the database answers is kept for
 * a few seconds per app and document, so a busy app costs one lookup per document every few seconds; a
 * registration in this process is seen at once, one in another process within `TTL_MS`.
 */
import { LRUCache } from 'lru-cache';
import type { SessionClaims } from '../access/tokens';
import { ErrorCode } from '../shared/errors';

const TTL_MS = 5_000;
const DOCUMENT_ID = /^sha256:[0-9a-f]{64}$/;

export interface DocumentAnswer {
  /** Whether the account is a live client app. */
  app: boolean;
  /** Whether it runs trusted documents only. */
  required: boolean;
  /** The text of the document asked for, if the app has it. */
  body: string | null;
}

/** What the request runs, or why it is refused (HTTP 400, a GraphQL error). */
export type Resolved = { body: unknown; search: string } | { refused: { code: ErrorCode; message: string } };

export class TrustedDocuments {
  private readonly known = new LRUCache<string, DocumentAnswer>({ max: 50_000, ttl: TTL_MS });

  constructor(private readonly ask: (accountId: string, documentId: string) => Promise<DocumentAnswer>) {}

  private async lookup(accountId: string, documentId: string): Promise<DocumentAnswer> {
    const key = `${accountId} ${documentId}`;
    const known = this.known.get(key);
    if (known) return known;
    const answer = await this.ask(accountId, documentId);
    this.known.set(key, answer);
    return answer;
  }

  /** The app's documents or requirement changed here: ask the database again from now on. */
  changed(accountId: string): void {
    for (const key of this.known.keys()) if (key.startsWith(`${accountId} `)) this.known.delete(key);
  }

  /**
   * The request as it runs: a `documentId` replaced by its text, a text refused for an app that runs trusted
   * documents only, anything else as it came. `session` is the caller's verified token, if any.
   */
  async resolve(session: SessionClaims | null, method: string, body: unknown, url: URL): Promise<Resolved> {
    const posted = method === 'POST' && body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
    const documentId = posted ? posted.documentId : url.searchParams.get('documentId');
    const text = posted ? posted.query : url.searchParams.get('query');
    if (documentId === undefined || documentId === null) {
      if (!session?.app || text === undefined || text === null) return { body, search: url.search };
      const { required } = await this.lookup(session.accountId, '');
      if (!required) return { body, search: url.search };
      return {
        refused: {
          code: ErrorCode.TRUSTED_DOCUMENT_REQUIRED,
          message:
            'This app runs its registered documents only: send `documentId` (sha256:<hex>) instead of the query text. Its ministry’s ADMIN registers documents with registerTrustedDocuments, or lifts the rule with requireTrustedDocuments(required: false).',
        },
      };
    }
    if (text !== undefined && text !== null)
      return { refused: { code: ErrorCode.TRUSTED_DOCUMENT_NOT_FOUND, message: 'Send `documentId` or `query`, not both.' } };
    if (typeof documentId !== 'string' || !DOCUMENT_ID.test(documentId))
      return { refused: { code: ErrorCode.TRUSTED_DOCUMENT_NOT_FOUND, message: '`documentId` is `sha256:` and 64 lower-case hex digits.' } };
    if (!session?.app)
      return {
        refused: {
          code: ErrorCode.TRUSTED_DOCUMENT_NOT_FOUND,
          message: 'A `documentId` names a document registered for a client app: send it with the app’s token (staff send the query text).',
        },
      };
    const found = await this.lookup(session.accountId, documentId);
    if (found.body === null)
      return {
        refused: {
          code: ErrorCode.TRUSTED_DOCUMENT_NOT_FOUND,
          message: `This app has no document ${documentId}: its ministry’s ADMIN registers the app’s manifest with registerTrustedDocuments.`,
        },
      };
    if (posted) {
      const { documentId: _, ...rest } = posted;
      return { body: { ...rest, query: found.body }, search: url.search };
    }
    const params = new URLSearchParams(url.searchParams);
    params.delete('documentId');
    params.set('query', found.body);
    return { body, search: `?${params}` };
  }
}
