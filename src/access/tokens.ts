/**
 * Signed session tokens (HS256 JWT via `jose`). A token carries a database
 * session (id and secret, opened by `sinergi_login`); who the caller is, and
 * what it may read, the database derives from that session on every request,
 * so a role change, a deactivation or a logout applies at once and nobody
 * holding only the app's database credentials can act as an account without
 * its token.
 *
 * Two kinds, told apart by their audience: a short-lived access token
 * (`ACCESS_TOKEN_TTL`, an hour), sent with every request, and a refresh
 * token that lives as long as the session (`JWT_TTL`), accepted only by the
 * `refreshToken` mutation, which answers a new access token while the session
 * lasts. A leaked access token is good for an hour at most; `logout` ends
 * both at once.
 */
import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';
import { Role } from './roles';

const ISSUER = 'sinergi';
const AUDIENCE = 'sinergi-api';
const REFRESH_AUDIENCE = 'sinergi-refresh';
const DEVICE_AUDIENCE = 'sinergi-device';
/** How long a device stays known after its last login from it. */
const DEVICE_TTL_SECONDS = 180 * 86_400;

/** Why a token identifies nobody: it could not be checked as ours, or its time is up. */
export type TokenProblem = 'invalid' | 'expired';

/** Seconds in a duration such as `15m`, `8h`, `30s`, `2d` or `900`; undefined when it is none. */
export function durationSeconds(text: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  return m ? Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400, '': 1 } as Record<string, number>)[m[2]] : undefined;
}

/** What a token proves: a session of an account. Ministry and role are informative only. */
export interface SessionClaims {
  accountId: string;
  sessionId: string;
  secret: string;
  ministryId: string | null;
  role: Role;
  /** A client app's session (client credentials): the HTTP layer asks whether it runs trusted documents only. */
  app?: boolean;
}

export class TokenService {
  private readonly key: Uint8Array;
  constructor(
    secret: string,
    /** Lifetime of a session, and of its refresh token. */
    private readonly ttl: string,
    /** Lifetime of an access token. */
    private readonly accessTtl = '1h',
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** Lifetime of a session (and of its refresh token), in seconds. */
  get ttlSeconds(): number {
    return durationSeconds(this.ttl) ?? 8 * 3600;
  }

  /** Lifetime of an access token, in seconds: never longer than the session's. */
  get accessTtlSeconds(): number {
    return Math.min(durationSeconds(this.accessTtl) ?? 3600, this.ttlSeconds);
  }

  private jwt(claims: SessionClaims, audience: string, seconds: number, extra: Record<string, number> = {}): Promise<string> {
    const kind = claims.app ? { app: 1 } : {};
    return new SignJWT({ ministryId: claims.ministryId, role: claims.role, sid: claims.sessionId, sst: claims.secret, ...kind, ...extra })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.accountId)
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
      .sign(this.key);
  }

  /** An access token: what every request sends. */
  sign(claims: SessionClaims): Promise<string> {
    return this.jwt(claims, AUDIENCE, this.accessTtlSeconds);
  }

  /**
   * A refresh token for the same session, good for the session's lifetime and for `refreshToken` only,
   * once: it names the session's refresh generation, which each use moves on (see account.resolver.ts).
   */
  signRefresh(claims: SessionClaims, secondsLeft = this.ttlSeconds, generation = 0): Promise<string> {
    return this.jwt(claims, REFRESH_AUDIENCE, Math.max(1, secondsLeft), { rgen: generation });
  }

  /**
   * A device token (OWASP's device cookie): proof that this client logged in to the account of `email`
   * before. Login throttling counts its failures on its own key (login-throttle.ts). It grants nothing else.
   */
  signDevice(email: string): Promise<string> {
    return new SignJWT({ eml: email, did: randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(DEVICE_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + DEVICE_TTL_SECONDS)
      .sign(this.key);
  }

  /** The device id of a device token issued for `email`, or null for anything else. */
  async checkDevice(token: string, email: string): Promise<string | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: DEVICE_AUDIENCE, algorithms: ['HS256'] });
      return payload.eml === email && typeof payload.did === 'string' ? payload.did : null;
    } catch {
      return null;
    }
  }

  /**
   * Tokens whose signature was checked, until they expire: a client sends the same token with every
   * request, and checking an HMAC is an asynchronous WebCrypto job each time. Only what verified is
   * kept, and only until its own expiry; revocation is the database's (the session behind it).
   */
  private readonly verified = new LRUCache<string, SessionClaims>({ max: 10_000, ttlAutopurge: false });

  /** The claims, or null for a token that is missing its signature, expired, or otherwise not ours. */
  async verify(token: string): Promise<SessionClaims | null> {
    const checked = await this.check(token);
    return typeof checked === 'string' ? null : checked;
  }

  /** The claims of an access token, or why it identifies nobody. */
  async check(token: string): Promise<SessionClaims | TokenProblem> {
    const known = this.verified.get(token);
    if (known) return known;
    const checked = await this.open(token, AUDIENCE);
    if (typeof checked !== 'string') {
      // jwtVerify refused it if expired; `exp` is always set by this service.
      const ms = checked.exp * 1000 - Date.now();
      if (ms > 0) this.verified.set(token, checked.claims, { ttl: ms });
      return checked.claims;
    }
    return checked;
  }

  /** The claims of a refresh token, the seconds it has left and its refresh generation, or why it is refused. */
  async checkRefresh(token: string): Promise<{ claims: SessionClaims; secondsLeft: number; generation: number } | TokenProblem> {
    const checked = await this.open(token, REFRESH_AUDIENCE);
    if (typeof checked === 'string') return checked;
    if (!Number.isSafeInteger(checked.generation) || checked.generation < 0) return 'invalid';
    return { claims: checked.claims, secondsLeft: checked.exp - Math.floor(Date.now() / 1000), generation: checked.generation };
  }

  private async open(token: string, audience: string): Promise<{ claims: SessionClaims; exp: number; generation: number } | TokenProblem> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience, algorithms: ['HS256'] });
      const role = payload.role as Role;
      if (!payload.sub || !Object.values(Role).includes(role) || typeof payload.sid !== 'string' || typeof payload.sst !== 'string') return 'invalid';
      if (typeof payload.exp !== 'number') return 'invalid';
      const ministryId = typeof payload.ministryId === 'string' ? payload.ministryId : null;
      // Refresh tokens issued before rotation carry no generation: they are the session's first.
      const generation = payload.rgen === undefined ? 0 : Number(payload.rgen);
      const claims: SessionClaims = {
        accountId: payload.sub,
        ministryId,
        role,
        sessionId: payload.sid,
        secret: payload.sst,
        ...(payload.app === 1 ? { app: true } : {}),
      };
      return { claims, exp: payload.exp, generation };
    } catch (e) {
      // Only a token whose signature held is told apart as expired: a forgery learns nothing.
      if (e instanceof joseErrors.JWTExpired) return 'expired';
      if (e instanceof joseErrors.JOSEError) return 'invalid';
      throw e;
    }
  }
}
