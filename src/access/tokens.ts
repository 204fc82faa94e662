/**
 * Signed session tokens (HS256 JWT via `jose`). A token carries a database
 * session (id and secret, opened by `sinergi_login`); who the caller is, and
 * what it may read, the database derives from that session on every request,
 * so a role change or deactivation applies at once and nobody holding only
 * the app's database credentials can act as an account without its token.
 */
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';
import { Role } from './roles';

const ISSUER = 'sinergi';
const AUDIENCE = 'sinergi-api';

/** What a token proves: a session of an account. Ministry and role are informative only. */
export interface SessionClaims {
  accountId: string;
  sessionId: string;
  secret: string;
  ministryId: string | null;
  role: Role;
}

export class TokenService {
  private readonly key: Uint8Array;
  constructor(
    secret: string,
    private readonly ttl: string,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** Lifetime of a token, and of the session behind it, in seconds. */
  get ttlSeconds(): number {
    const m = /^(\d+)\s*([smhd]?)$/.exec(this.ttl.trim());
    if (!m) return 8 * 3600;
    return Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400, '': 1 } as Record<string, number>)[m[2]];
  }

  sign(claims: SessionClaims): Promise<string> {
    return new SignJWT({ ministryId: claims.ministryId, role: claims.role, sid: claims.sessionId, sst: claims.secret })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.accountId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(this.ttl)
      .sign(this.key);
  }

  /**
   * Tokens whose signature was checked, until they expire: a client sends the same token with every
   * request, and checking an HMAC is an asynchronous WebCrypto job each time. Only what verified is
   * kept, and only until its own expiry; revocation is the database's (the session behind it).
   */
  private readonly verified = new LRUCache<string, SessionClaims>({ max: 10_000, ttlAutopurge: false });

  /** The claims, or null for a token that is missing its signature, expired, or otherwise not ours. */
  async verify(token: string): Promise<SessionClaims | null> {
    const known = this.verified.get(token);
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const role = payload.role as Role;
      if (!payload.sub || !Object.values(Role).includes(role) || typeof payload.sid !== 'string' || typeof payload.sst !== 'string') return null;
      const ministryId = typeof payload.ministryId === 'string' ? payload.ministryId : null;
      const claims = { accountId: payload.sub, ministryId, role, sessionId: payload.sid, secret: payload.sst };
      // jwtVerify refused it if expired; `exp` is optional in a JWT, but this service always sets it.
      const ms = typeof payload.exp === 'number' ? payload.exp * 1000 - Date.now() : 0;
      if (ms > 0) this.verified.set(token, claims, { ttl: ms });
      return claims;
    } catch (e) {
      if (e instanceof joseErrors.JOSEError) return null;
      throw e;
    }
  }
}
