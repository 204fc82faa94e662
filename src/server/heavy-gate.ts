/**
 * Heavy work takes turns, so that light work never waits behind it (issue
 * 29). Operations are sorted by their cost (query-limits.ts), whatever their
 * shape:
 * - **heavy** (`HEAVY_COST` and up: exports, statistics, imports,
 *   `verifyAuditLog`, wide 1,000-row pages), and every CSV download or upload
 *   for as long as it lasts: at most a few at once per process, and at most
 *   `perAccount` of one account — an account past its share is refused at
 *   once, anyone past the process's share waits a little in line, then is
 *   refused (TOO_MANY_REQUESTS, with how many seconds to wait);
 * - **bulk** (`BULK_COST` and up: large pages, deep nesting): take turns in a
 *   lane of their own, and wait for one as long as their time budget;
 * - **light** (the rest): never come here.
 * Heavy and bulk lanes together hold fewer turns than the operation gate has,
 * so some are always left for light operations; one waiting for its lane gives
 * its operation turn back meanwhile (operation-gate.ts, `outside`).
 */
import { AppError, ErrorCode } from '../shared/errors';

/** The price from which an operation is heavy: one statistic, any export or import, a 1,000-row page of 20 fields. */
export const HEAVY_COST = 20_000;
/** The price from which an operation is bulk: a page of 1,000 rows, or 50 rows with 20 children each. */
export const BULK_COST = 2_000;
/** Logins hashing a password at once, per process: one core's worth on a small machine. */
export const LOGINS_AT_ONCE = 2;
/**
 * Bulk operations at once, per process: each serialises up to a thousand rows on the one event loop, and more
 * than a few at once only make every light answer wait behind their slices (bench:abuse, flood b).
 */
export const BULK_AT_ONCE = 6;
/** Operation turns kept free of heavy and bulk work, for light operations. */
export const LIGHT_RESERVE = 3;

export interface HeavyTurn {
  /** Ends the turn; safe to call more than once. */
  release(): void;
}

/** Whose share a heavy operation counts against: its token's account, else its client address. */
export const heavyKeyOf = (session: { accountId: string } | null, clientAddress: string) => session?.accountId ?? `address:${clientAddress}`;

/** A TOO_MANY_REQUESTS refusal that says when to try again. */
export const busyWithHeavyWork = (why: string, retryAfterSeconds: number) =>
  new AppError(ErrorCode.TOO_MANY_REQUESTS, `${why} Try again in ${retryAfterSeconds} s.`, { retryAfter: retryAfterSeconds, http: { status: 429 } });

export class HeavyGate {
  private running = 0;
  private readonly byAccount = new Map<string, number>();
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly global: number,
    private readonly perAccount: number,
    private readonly waitMs: number,
  ) {}

  /** A turn for `account` (an account id, or a key for nobody), or a TOO_MANY_REQUESTS error thrown. */
  async acquire(account: string): Promise<HeavyTurn> {
    if (this.global === 0) return { release: () => undefined };
    if ((this.byAccount.get(account) ?? 0) >= this.perAccount)
      throw busyWithHeavyWork(`Your account already runs ${this.perAccount} heavy operations (exports, imports, statistics, large pages) at once.`, 2);
    this.count(account, 1);
    if (this.running >= this.global || this.queue.length > 0) {
      const admitted = await new Promise<boolean>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          const i = this.queue.indexOf(wake);
          if (i >= 0) this.queue.splice(i, 1);
          resolve(false);
        }, this.waitMs);
        this.queue.push(wake);
      });
      if (!admitted) {
        this.count(account, -1);
        throw busyWithHeavyWork('The server is busy with heavy operations.', Math.max(1, Math.ceil(this.waitMs / 1000)));
      }
    } else this.running++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.count(account, -1);
        // The turn passes straight to the next in line, or is given back.
        const next = this.queue.shift();
        if (next) next();
        else this.running--;
      },
    };
  }

  get active(): number {
    return this.running;
  }

  private count(account: string, delta: number) {
    const n = (this.byAccount.get(account) ?? 0) + delta;
    if (n > 0) this.byAccount.set(account, n);
    else this.byAccount.delete(account);
  }
}
