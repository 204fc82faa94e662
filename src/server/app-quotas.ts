/**
 * Client apps' quotas (issue 32, item 3): per app, requests and cost units per window (APP_QUOTA_WINDOW_SECONDS),
 * as its ADMIN set them within the operator's bounds. Counted in fixed windows by rate-limiter-flexible, in
 * Redis when REDIS_URL is set (so every process spends from one count), else in each process's memory.
 *
 * Every answer to an app says where it stands, in the IETF RateLimit header fields (draft-ietf-httpapi-
 * ratelimit-headers): `RateLimit-Policy: "requests";q=1200;w=60, "cost";q=2000000;w=60` and
 * `RateLimit: "requests";r=1187;t=42, "cost";r=1995000;t=42`. A request past its app's request quota is
 * refused before it is read; an operation past its cost quota before it runs — 429 with `Retry-After` and
 * TOO_MANY_REQUESTS either way. Staff and other apps are counted apart, so they notice nothing.
 */
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { AppQuotaBounds } from '../config';
import type { AppQuota, QuotaState } from '../shared/quota';
import { AppError, ErrorCode } from '../shared/errors';

/** The counters count up to this: each app's own limit is compared by the server, not by the counter. */
const UNBOUNDED = 2 ** 31 - 1;
const POLICY_TTL_MS = 5_000;

export class AppQuotas {
  private readonly requests: RateLimiterAbstract;
  private readonly cost: RateLimiterAbstract;
  private readonly policies = new LRUCache<string, { quota: AppQuota | null }>({ max: 20_000, ttl: POLICY_TTL_MS });

  constructor(
    readonly bounds: AppQuotaBounds,
    redis: Redis | null,
    prefix: string,
    /** The app's own figures (null where its ADMIN set none), or null for an account that is no live app. */
    private readonly figures: (accountId: string) => Promise<{ requests: number | null; cost: number | null } | null>,
  ) {
    const make = (name: string) => {
      const o = { points: UNBOUNDED, duration: bounds.windowSeconds, keyPrefix: `${prefix}:app-quota:${name}` };
      return redis ? new RateLimiterRedis({ ...o, storeClient: redis }) : new RateLimiterMemory(o);
    };
    this.requests = make('requests');
    this.cost = make('cost');
  }

  /** An app's quota: its ADMIN's figures within the operator's maxima, else the defaults. */
  quotaOf(own: { requests: number | null; cost: number | null }): AppQuota {
    const b = this.bounds;
    return { requests: Math.min(own.requests ?? b.defaultRequests, b.maxRequests), cost: Math.min(own.cost ?? b.defaultCost, b.maxCost) };
  }

  private async policy(accountId: string): Promise<AppQuota | null> {
    const known = this.policies.get(accountId);
    if (known) return known.quota;
    const own = await this.figures(accountId);
    const quota = own ? this.quotaOf(own) : null;
    this.policies.set(accountId, { quota });
    return quota;
  }

  /** Its ADMIN changed an app's figures here: read them again from now on (other processes within seconds). */
  changed(accountId: string): void {
    this.policies.delete(accountId);
  }

  private state(quota: AppQuota, requests: RateLimiterRes | null, cost: RateLimiterRes | null): QuotaState {
    const reset = Math.ceil(Math.max(requests?.msBeforeNext ?? 0, cost?.msBeforeNext ?? 0, 0) / 1000) || this.bounds.windowSeconds;
    return {
      quota,
      windowSeconds: this.bounds.windowSeconds,
      requestsLeft: Math.max(0, quota.requests - (requests?.consumedPoints ?? 0)),
      costLeft: Math.max(0, quota.cost - (cost?.consumedPoints ?? 0)),
      resetSeconds: reset,
    };
  }

  /**
   * Counts one request of the app of `accountId`: where it stands, and whether the request is over its quota
   * (of requests, or of cost already spent). Null for an account that is no app.
   */
  async takeRequest(accountId: string): Promise<{ state: QuotaState; over: boolean } | null> {
    const quota = await this.policy(accountId);
    if (!quota) return null;
    const [requests, cost] = await Promise.all([this.requests.consume(accountId, 1), this.cost.get(accountId)]);
    const over = requests.consumedPoints > quota.requests || (cost?.consumedPoints ?? 0) >= quota.cost;
    return { state: this.state(quota, requests, cost), over };
  }

  /** Spends an operation's cost; where the app then stands, and whether the operation is over its cost quota. */
  async takeCost(accountId: string, units: number): Promise<{ state: QuotaState; over: boolean } | null> {
    const quota = await this.policy(accountId);
    if (!quota) return null;
    const [cost, requests] = await Promise.all([this.cost.consume(accountId, Math.max(0, Math.ceil(units))), this.requests.get(accountId)]);
    return { state: this.state(quota, requests, cost), over: cost.consumedPoints > quota.cost };
  }
}

/** The refusal of an app past its quota: 429, with when its window starts again. */
export const overQuota = (what: 'requests' | 'cost units', retryAfter: number) =>
  new AppError(
    ErrorCode.TOO_MANY_REQUESTS,
    `This app has spent its ${what} for this window: try again in ${retryAfter} s (see the RateLimit header; its ministry's ADMIN sets the quota with setApiClientQuota).`,
    { retryAfter, http: { status: 429 } },
  );

/** The IETF RateLimit header fields of an app's state. */
export function rateLimitHeaders(s: QuotaState): Record<string, string> {
  return {
    'ratelimit-policy': `"requests";q=${s.quota.requests};w=${s.windowSeconds}, "cost";q=${s.quota.cost};w=${s.windowSeconds}`,
    ratelimit: `"requests";r=${s.requestsLeft};t=${s.resetSeconds}, "cost";r=${s.costLeft};t=${s.resetSeconds}`,
  };
}
