/**
 * Whether a token's session is live, for the limits that apply before a
 * request is read (issue 29): the database answers (`sinergi_session_live`),
 * and the answer is kept for a few seconds per session, so a client sending
 * one token with every request costs one lookup per few seconds. A logout in
 * this process is known at once; one in another process within `TTL_MS`.
 */
import { LRUCache } from 'lru-cache';
import type { SessionClaims } from './tokens';

const TTL_MS = 5_000;

export class SessionLiveness {
  private readonly known = new LRUCache<string, { secret: string; live: boolean }>({ max: 50_000, ttl: TTL_MS });

  constructor(private readonly ask: (sessionId: string, secret: string) => Promise<boolean>) {}

  async live(claims: Pick<SessionClaims, 'sessionId' | 'secret'>): Promise<boolean> {
    const known = this.known.get(claims.sessionId);
    if (known && known.secret === claims.secret) return known.live;
    const live = await this.ask(claims.sessionId, claims.secret);
    this.known.set(claims.sessionId, { secret: claims.secret, live });
    return live;
  }

  /** The session has ended here: its token gets an anonymous caller's room from now on. */
  ended(sessionId: string): void {
    this.known.delete(sessionId);
  }
}
