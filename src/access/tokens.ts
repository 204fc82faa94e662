/** Signed session tokens (HS256 JWT via `jose`). The token carries the identity the scope is built from. */
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { Role, type Viewer } from './roles';

const ISSUER = 'sinergi';
const AUDIENCE = 'sinergi-api';

export class TokenService {
  private readonly key: Uint8Array;
  constructor(secret: string, private readonly ttl: string) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(viewer: Viewer): Promise<string> {
    return new SignJWT({ ministryId: viewer.ministryId, role: viewer.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(viewer.accountId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(this.ttl)
      .sign(this.key);
  }

  /** The viewer, or null for a token that is missing its signature, expired, or otherwise not ours. */
  async verify(token: string): Promise<Viewer | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const role = payload.role as Role;
      if (!payload.sub || !Object.values(Role).includes(role)) return null;
      const ministryId = typeof payload.ministryId === 'string' ? payload.ministryId : null;
      return { accountId: payload.sub, ministryId, role };
    } catch (e) {
      if (e instanceof joseErrors.JOSEError) return null;
      throw e;
    }
  }
}
