/**
 * Failed-login limits that protect users instead of locking them out
 * (OWASP's Authentication and Credential Stuffing cheat sheets; counts in
 * rate-limiter-flexible, in Redis when REDIS_URL is set, so that every server
 * process counts the same failures). Delays, not lockouts: past its free
 * failures, each further failure of a key makes the next attempt wait twice
 * as long as the last (1 s, 2 s, 4 s, … up to 15 minutes), and an attempt
 * that comes sooner is refused (TOO_MANY_REQUESTS, with Retry-After) before
 * its password is even hashed.
 *
 * - **A known device** — one that logged in to this account before and shows
 *   the `deviceToken` it got then — is counted on its own key only, so a
 *   guesser behind the same NAT, or anywhere else, never delays the owner;
 * - otherwise per (e-mail, client address): 10 free failures;
 * - per client address, across accounts: 30 (one password sprayed over many
 *   accounts);
 * - per e-mail, across addresses: 100 (a guesser spread over many addresses);
 * - across everyone: past 300 failures a minute, every failure is answered a
 *   second late (a global slow-down, not a refusal; the wait holds no turn).
 *
 * Unknown e-mails count like known ones, so a refusal reveals nothing.
 */
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError, ErrorCode } from '../shared/errors';

interface Progression {
  /** Failures within `window` seconds that earn no delay but the last (of a second). */
  free: number;
  window: number;
  /** The longest delay, in seconds. */
  maxDelay: number;
}

export const LOGIN_LIMITS: {
  perDevice: Progression;
  perAccountAndAddress: Progression;
  perAddress: Progression;
  perAccount: Progression;
  global: { points: number; duration: number; delayMs: number };
} = {
  perDevice: { free: 10, window: 15 * 60, maxDelay: 15 * 60 },
  perAccountAndAddress: { free: 10, window: 15 * 60, maxDelay: 15 * 60 },
  perAddress: { free: 30, window: 15 * 60, maxDelay: 15 * 60 },
  perAccount: { free: 100, window: 60 * 60, maxDelay: 15 * 60 },
  global: { points: 300, duration: 60, delayMs: 1_000 },
};

type Make = (name: string, o: { points: number; duration: number }) => RateLimiterAbstract;

/** One key's failures, and the delay they have earned. */
class Progressive {
  private readonly counts: RateLimiterAbstract;
  private readonly blocks: RateLimiterAbstract;

  constructor(
    make: Make,
    name: string,
    private readonly o: Progression,
  ) {
    // Counting only: never refuses by itself.
    this.counts = make(`${name}-count`, { points: 1_000_000, duration: o.window });
    // Holds a key's delay: `block(key, s)` until it is over.
    this.blocks = make(`${name}-delay`, { points: 1, duration: o.maxDelay });
  }

  /** Milliseconds before this key may try again; 0 when it may now. */
  async waitMs(key: string): Promise<number> {
    const r = await this.blocks.get(key);
    return r && r.consumedPoints > 1 ? r.msBeforeNext : 0;
  }

  async fail(key: string): Promise<void> {
    const { consumedPoints: n } = await this.counts.penalty(key, 1);
    if (n >= this.o.free) await this.blocks.block(key, Math.min(this.o.maxDelay, 2 ** (n - this.o.free)));
  }

  async clear(key: string): Promise<void> {
    await Promise.all([this.counts.delete(key), this.blocks.delete(key)]);
  }
}

/** Who is trying: a known device of this account, or an e-mail from an address. */
export type LoginAttempt = { email: string; address: string; device: string | null };

export class LoginThrottle {
  private readonly device: Progressive;
  private readonly pair: Progressive;
  private readonly address: Progressive;
  private readonly account: Progressive;
  private readonly global: RateLimiterAbstract;
  private readonly limits: typeof LOGIN_LIMITS;

  constructor(redis?: Redis | null, prefix = 'sinergi', limits: typeof LOGIN_LIMITS = LOGIN_LIMITS) {
    this.limits = limits;
    const make: Make = (keyPrefix, o) =>
      redis
        ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:${keyPrefix}`, points: o.points, duration: o.duration })
        : new RateLimiterMemory({ keyPrefix, points: o.points, duration: o.duration });
    this.device = new Progressive(make, 'login-device', limits.perDevice);
    this.pair = new Progressive(make, 'login-pair', limits.perAccountAndAddress);
    this.address = new Progressive(make, 'login-address', limits.perAddress);
    this.account = new Progressive(make, 'login-account', limits.perAccount);
    this.global = make('login-global', limits.global);
  }

  /** The keys an attempt is counted on: a known device's own, or the e-mail's, the address's and the pair's. */
  private keys(a: LoginAttempt): [Progressive, string][] {
    if (a.device) return [[this.device, `${a.device}|${a.email}`]];
    return [
      [this.pair, `${a.address}|${a.email}`],
      [this.address, a.address],
      [this.account, a.email],
    ];
  }

  /** Refuses (TOO_MANY_REQUESTS, with when to try again) while any of the attempt's keys is still waiting out a delay. */
  async check(a: LoginAttempt): Promise<void> {
    const waits = await Promise.all(this.keys(a).map(([p, key]) => p.waitMs(key)));
    const ms = Math.max(0, ...waits);
    if (ms > 0) {
      const seconds = Math.ceil(ms / 1000);
      throw new AppError(
        ErrorCode.TOO_MANY_REQUESTS,
        `Too many failed logins: try again in ${seconds} s. A device you logged in from before is not held up by others' failures: send its deviceToken.`,
        { retryAfter: seconds, http: { status: 429 } },
      );
    }
  }

  /** Counts a failure; answers how long its answer should wait (a global slow-down under a storm of failures). */
  async failed(a: LoginAttempt): Promise<number> {
    const [global] = await Promise.all([this.global.penalty('all', 1), ...this.keys(a).map(([p, key]) => p.fail(key))]);
    return global.consumedPoints > this.limits.global.points ? this.limits.global.delayMs : 0;
  }

  /** A success clears the keys of its own attempt (an address keeps its count across accounts). */
  async succeeded(a: LoginAttempt): Promise<void> {
    await Promise.all([
      this.pair.clear(`${a.address}|${a.email}`),
      this.account.clear(a.email),
      ...(a.device ? [this.device.clear(`${a.device}|${a.email}`)] : []),
    ]);
  }
}
