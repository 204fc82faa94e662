/**
 * A token for an account without its password, opened with the owner's
 * rights (`sinergi_open_session` is not executable by the app role). For
 * test fixtures, benchmarks and operator tools only: the API itself opens
 * sessions through `login` alone.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../access/roles';
import type { TokenService } from '../access/tokens';

export async function tokenWithOwnerRights(
  ownerEm: EntityManager,
  tokens: TokenService,
  account: { id: string; role: Role; ministryId?: string | null },
): Promise<string> {
  const [{ s }] = await ownerEm
    .getConnection()
    .execute<{ s: { sessionId: string; secret: string } }[]>('select sinergi_open_session(?, ?) as s', [account.id, tokens.ttlSeconds]);
  return tokens.sign({ accountId: account.id, sessionId: s.sessionId, secret: s.secret, ministryId: account.ministryId ?? null, role: account.role });
}
