/**
 * Apollo's key-value cache interface over Redis (ioredis), for what every
 * server process must share: a query one process registered as persisted
 * (APQ) is then found by the hash at any other. Keys carry the deployment's
 * prefix; every entry expires.
 */
import type Redis from 'ioredis';

export class RedisKeyValueCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Seconds an entry lives when the caller gives no ttl. */
    private readonly defaultTtl: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    const ttl = options?.ttl ?? this.defaultTtl;
    await this.redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.round(ttl)));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }
}
