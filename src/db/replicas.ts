/**
 * Read replicas (`DATABASE_REPLICA_URLS`): PostgreSQL streaming replicas that
 * answer queries which write nothing, in turn, while the primary takes every
 * write, and every read that logs personal data.
 *
 * A replica is a little behind the primary. So that a client reads its own
 * writes, a session that committed a mutation (a login included: its session
 * row is new) is pinned to the primary for `pinMs`; with Redis the pin holds
 * at every process, else at the process that served the write. A replica
 * that cannot be reached (within 2 s) is left alone for REPLICA_REST_MS, and
 * its requests are served by another replica or the primary.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';

/** How long a replica that failed to answer is left alone: its requests go to the others, or the primary. */
export const REPLICA_REST_MS = 10_000;

export class ReplicaRouter {
  private next = 0;
  /** Sessions pinned to the primary in this process, until their pin ends. */
  private readonly pins = new LRUCache<string, true>({ max: 100_000, ttlAutopurge: false });

  constructor(
    /** One ORM per replica, each connected as the app role. */
    readonly replicas: readonly MikroORM[],
    private readonly pinMs: number,
    private readonly redis: Redis | null = null,
    private readonly prefix = 'sinergi',
  ) {}

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  /** Replicas that failed to answer, until when they are left alone (ms since the epoch). */
  private readonly down = new Map<number, number>();

  /** The next replica in turn that is not resting after a failure, with its name; none when all are. */
  pick(): { orm: MikroORM; name: string; fail(): void } | undefined {
    const now = Date.now();
    for (let tries = 0; tries < this.replicas.length; tries++) {
      const i = this.next++ % this.replicas.length;
      if ((this.down.get(i) ?? 0) > now) continue;
      return { orm: this.replicas[i], name: `replica-${i}`, fail: () => this.down.set(i, Date.now() + REPLICA_REST_MS) };
    }
    return undefined;
  }

  private key = (sessionId: string) => `${this.prefix}:pin:${sessionId}`;

  /** Keeps this session's requests on the primary for a while: it has just written. */
  async pin(sessionId: string): Promise<void> {
    if (!this.enabled) return;
    this.pins.set(sessionId, true, { ttl: this.pinMs });
    if (this.redis) await this.redis.set(this.key(sessionId), '1', 'PX', this.pinMs).catch(() => undefined);
  }

  /** Whether this session wrote within the pin's time, here or (with Redis) at another process. */
  async pinned(sessionId: string | null): Promise<boolean> {
    if (!sessionId) return false;
    if (this.pins.get(sessionId)) return true;
    if (!this.redis) return false;
    // Redis unreachable: the primary, which is never behind.
    return (await this.redis.exists(this.key(sessionId)).catch(() => 1)) > 0;
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((orm) => orm.close(true)));
  }
}

/**
 * The app role's connection to each replica: a URL with a user name is taken
 * as it is; one without gets the user, password and database of the app
 * role's primary connection (`appUrl`), so `postgres://replica-1:5432` is enough.
 */
export function replicaAppUrls(list: string | undefined, appUrl: string): string[] {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((raw) => {
      const given = new URL(raw);
      if (given.username) return given.toString();
      const url = new URL(appUrl);
      url.hostname = given.hostname;
      url.port = given.port;
      for (const [k, v] of given.searchParams) url.searchParams.set(k, v);
      return url.toString();
    });
}
