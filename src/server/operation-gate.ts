/**
 * How many GraphQL operations one server process runs at once, and how many
 * may wait for their turn (issue 11). One Node process works on one core: a
 * few operations in flight keep it and the database busy; more only take
 * turns on the same core, each answer waits for everyone else's work, and
 * every one of them holds its rows in memory meanwhile (longer garbage
 * collections). Measured on the bench data with 32 clients on 2 cores: the
 * same throughput, and the slowest 1 % of a 1,000-row list at 630 ms with 16
 * at once against 830–1,240 ms with all 32 (8 served reads as well, but
 * slowed mutations, which wait more on the database). Waiting operations are
 * served first come, first served; past the queue's length the answer is
 * 503, at once.
 */
import { Sema } from 'async-sema';

export interface OperationGate {
  /** Runs `op` when its turn comes; `busy` (without running it) when the queue is full. */
  run<T, B>(op: () => Promise<T>, busy: () => B): Promise<T | B>;
  /**
   * Within `run`: gives this operation's turn back while `wait` is pending (a heavy operation waiting for its
   * own turn must not hold one that light operations need), and takes a turn again before going on.
   */
  outside<T>(wait: () => Promise<T>): Promise<T>;
  readonly running: number;
  readonly waiting: number;
}

/** `limit` 0: no limit (every operation runs at once). */
export function operationGate(limit: number, queue: number): OperationGate {
  if (limit === 0) return { run: (op) => op(), outside: (wait) => wait(), running: 0, waiting: 0 };
  return new Gate(limit, queue);
}

class Gate implements OperationGate {
  private readonly sema: Sema;
  // Counted when an operation arrives, not when its turn comes: many may arrive before any turn is handed out.
  private admitted = 0;
  private active = 0;

  constructor(
    private readonly limit: number,
    private readonly queue: number,
  ) {
    this.sema = new Sema(limit);
  }

  async run<T, B>(op: () => Promise<T>, busy: () => B): Promise<T | B> {
    if (this.admitted >= this.limit + this.queue) return busy();
    this.admitted++;
    try {
      await this.sema.acquire();
      this.active++;
      try {
        return await op();
      } finally {
        this.active--;
        this.sema.release();
      }
    } finally {
      this.admitted--;
    }
  }

  async outside<T>(wait: () => Promise<T>): Promise<T> {
    this.active--;
    this.sema.release();
    try {
      return await wait();
    } finally {
      await this.sema.acquire();
      this.active++;
    }
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.admitted - this.active;
  }
}
