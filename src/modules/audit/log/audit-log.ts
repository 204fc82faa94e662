/**
 * The process's side of the audit log: about once a second (AUDIT_LOG_INTERVAL_MS) it has the database take
 * what committed since into the tree, and when the tree grew it signs a checkpoint of it (C2SP
 * tlog-checkpoint in a signed note) with the log's key and keeps it. Several processes may do so at once:
 * the database integrates one batch at a time, and a size signed twice is kept once.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { AsyncResource } from 'node:async_hooks';
import type { Logger } from 'pino';
import { rootHash } from './merkle';
import { checkpointText, signNote, verifierKey, type Signer } from './note';
import { integrate, latestCheckpoint, onConnection, storeCheckpoint, withTree, type StoredCheckpoint } from './log-store';

/** Runs `fn` outside the caller's async context (request, query counter), as the audit sealer does. */
const detached = AsyncResource.bind(<T>(fn: () => Promise<T>): Promise<T> => new Promise((resolve, reject) => setImmediate(() => fn().then(resolve, reject))));

/** Entries taken into the tree per statement. */
const BATCH = 10_000;

export class AuditLog {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<StoredCheckpoint> | null = null;
  private latest: StoredCheckpoint | null = null;
  /** Checkpoints are kept per key (name and key id): another key's, even of the same name, is not this one's. */
  private readonly keyName: string;

  constructor(
    private readonly orm: MikroORM,
    readonly signer: Signer,
    readonly origin: string,
    private readonly log: Logger,
  ) {
    this.keyName = verifierKey(signer).split('+').slice(0, 2).join('+');
  }

  /** The log's public key, as a note verifier key: what an auditor configures. */
  get verifierKey(): string {
    return verifierKey(this.signer);
  }

  /** Integrates and signs every `intervalMs` (0: only when `sync` is called). */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) this.sync().catch((err) => this.log.error({ err: String(err) }, 'audit log: integration failed; trying again'));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Takes what committed into the tree and signs a checkpoint when it grew; the newest checkpoint. */
  sync(): Promise<StoredCheckpoint> {
    this.running ??= detached(() => this.integrateAndSign()).finally(() => (this.running = null));
    return this.running;
  }

  /** The newest checkpoint this key signed (one is signed first if there is none). */
  async checkpoint(): Promise<StoredCheckpoint> {
    const stored = await latestCheckpoint(onConnection(this.orm.em.getConnection()), this.keyName);
    if (stored && (!this.latest || stored.size >= this.latest.size)) this.latest = stored;
    return this.latest ?? this.sync();
  }

  private async integrateAndSign(): Promise<StoredCheckpoint> {
    const connection = this.orm.em.getConnection();
    // A large backlog (the first start after the migration) is taken in batches, until one is not full.
    let [before, size] = [-1, await integrate(connection, BATCH)];
    while (size - Math.max(before, 0) >= BATCH) [before, size] = [size, await integrate(connection, BATCH)];
    this.latest ??= await latestCheckpoint(onConnection(connection), this.keyName);
    if (this.latest && this.latest.size >= size) return this.latest;
    const root = await withTree(onConnection(connection), size, (read) => rootHash(read, size));
    const note = signNote(checkpointText({ origin: this.origin, size, root }), [this.signer]);
    const checkpoint = { size, root, note };
    await storeCheckpoint(connection, this.keyName, checkpoint);
    this.latest = checkpoint;
    return checkpoint;
  }
}
