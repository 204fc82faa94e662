/**
 * Failed-login limits that protect users instead of locking them out
 * (rate-limiter-flexible; in Redis when REDIS_URL is set, so that every
 * server process counts the same failures):
 *
 * - per (e-mail, client address): 10 failures in 15 minutes refuse that pair
 *   only — an attacker elsewhere cannot lock the owner of the account out;
 * - per client address, across accounts: 30 failures in 15 minutes refuse
 *   the address (one password sprayed over many accounts);
 * - across everyone: past 300 failures a minute, every failed attempt is
 *   answered a second later (a global slow-down, not a refusal).
 *
 * Unknown e-mails count like known ones, so a refusal reveals nothing.
 */
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import { AppError, ErrorCode } from '../../shared/errors';

export const LOGIN_LIMITS: {
  perAccountAndAddress: { points: number; duration: number };
  perAddress: { points: number; duration: number };
  global: { points: number; duration: number; delayMs: number };
} = {
  perAccountAndAddress: { points: 10, duration: 15 * 60 },
  perAddress: { points: 30, duration: 15 * 60 },
  global: { points: 300, duration: 60, delayMs: 1_000 },
};

export class LoginThrottle {
  private readonly pair: RateLimiterAbstract;
  private readonly address: RateLimiterAbstract;
  private readonly global: RateLimiterAbstract;

  private readonly limits: typeof LOGIN_LIMITS;

  constructor(redis?: Redis | null, prefix = 'sinergi', limits: typeof LOGIN_LIMITS = LOGIN_LIMITS) {
    this.limits = limits;
    const make = (keyPrefix: string, o: { points: number; duration: number }) =>
      redis
        ? new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:${keyPrefix}`, points: o.points, duration: o.duration })
        : new RateLimiterMemory({ keyPrefix, points: o.points, duration: o.duration });
    this.pair = make('login-pair', limits.perAccountAndAddress);
    this.address = make('login-address', limits.perAddress);
    this.global = make('login-global', limits.global);
  }

  /** Refuses (TOO_MANY_REQUESTS) when this pair or this address has failed too often lately. */
  async check(email: string, address: string): Promise<void> {
    const [pair, addr] = await Promise.all([this.pair.get(`${address}|${email}`), this.address.get(address)]);
    const spent = (r: RateLimiterRes | null, points: number) => !!r && r.consumedPoints >= points;
    const wait = (r: RateLimiterRes | null) => Math.max(1, Math.ceil((r?.msBeforeNext ?? 60_000) / 60_000));
    if (spent(pair, this.limits.perAccountAndAddress.points)) {
      throw new AppError(ErrorCode.TOO_MANY_REQUESTS, `Too many failed logins for this address from here: try again in ${wait(pair)} minutes.`);
    }
    if (spent(addr, this.limits.perAddress.points)) {
      throw new AppError(ErrorCode.TOO_MANY_REQUESTS, `Too many failed logins from your network address: try again in ${wait(addr)} minutes.`);
    }
  }

  /** Counts a failure; resolves when the answer may go out (later, under a global storm of failures). */
  async failed(email: string, address: string): Promise<void> {
    const [, , global] = await Promise.all([this.pair.penalty(`${address}|${email}`, 1), this.address.penalty(address, 1), this.global.penalty('all', 1)]);
    if (global.consumedPoints > this.limits.global.points) await new Promise((r) => setTimeout(r, this.limits.global.delayMs));
  }

  /** A success clears this pair's count (the address keeps its own). */
  async succeeded(email: string, address: string): Promise<void> {
    await this.pair.delete(`${address}|${email}`);
  }
}
