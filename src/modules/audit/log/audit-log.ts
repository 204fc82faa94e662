/**
 * The process's side of the audit log: about once a second (AUDIT_LOG_INTERVAL_MS) it has the database take
 * what committed since into the tree, and when the tree grew it signs a checkpoint of it (C2SP
 * tlog-checkpoint in a signed note) with the log's key and keeps it. Several processes may do so at once:
 * the database integrates one batch at a time, and a size signed twice is kept once.
 *
 * A stored checkpoint is used only once its note verifies with this log's key: the database checks its size
 * and root against the tree, but anyone with the app role's password could store a note with a signature of
 * their own making.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { detached } from '../../../shared/detached';
import { rootHash } from './merkle';
import { checkpointText, NoteError, openNote, parseCheckpoint, signNote, verifierKey, type Signer } from './note';
import { withCosignatures, type PublishedCheckpoint } from './cosignatures';
import { integrate, newestCheckpoints, onConnection, storeCheckpoint, witnessedCheckpoints, withTree, type StoredCheckpoint } from './log-store';

/** Entries taken into the tree per statement. */
const BATCH = 10_000;
/** How long the newest checkpoint is served from memory: clients ask for it again and again. */
const FRESH_MS = 1_000;

export class AuditLog {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<StoredCheckpoint> | null = null;
  private latest: StoredCheckpoint | null = null;
  private latestAt = 0;
  /** Published checkpoints by quorum, each served from memory for a second: anyone may ask, and often. */
  private readonly publishedByQuorum = new Map<number, { checkpoint: PublishedCheckpoint | null; at: number }>();
  /** The tree's size after the last integration here: a batch that grew it by less than BATCH was the last. */
  private integrated = -1;
  /** Checkpoints are kept per key (name and key id): another key's, even of the same name, is not this one's. */
  readonly keyName: string;

  constructor(
    private readonly orm: MikroORM,
    readonly signer: Signer,
    readonly origin: string,
    private readonly log: Logger,
    /** Verifier keys of the log's earlier keys: older checkpoints verify with them (a rotation). */
    readonly previousKeys: readonly string[] = [],
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

  /** The newest checkpoint this key signed (one is signed first if there is none), at most a second old. */
  async checkpoint(): Promise<StoredCheckpoint> {
    if (this.latest && Date.now() - this.latestAt < FRESH_MS) return this.latest;
    const stored = this.firstGenuine(await newestCheckpoints(this.sql(), this.keyName));
    this.keep(stored);
    return this.latest ?? this.sync();
  }

  /** The newest checkpoint of this key that at least `quorum` live witnesses cosigned, or null. */
  async witnessed(quorum: number): Promise<StoredCheckpoint | null> {
    if (quorum <= 0) return this.checkpoint();
    return this.firstGenuine(await witnessedCheckpoints(this.sql(), this.keyName, quorum));
  }

  /**
   * The newest checkpoint that at least `quorum` live witnesses cosigned (0: the newest), its note carrying
   * every cosignature that verifies; null when there is none. Served from memory for a second; a cosignature
   * posted here shows at once, one posted to another process within that second.
   */
  async published(quorum = 0): Promise<PublishedCheckpoint | null> {
    const kept = this.publishedByQuorum.get(quorum);
    if (kept && Date.now() - kept.at < FRESH_MS) return kept.checkpoint;
    const c = await this.witnessed(quorum);
    const published = c && (await withCosignatures(this.sql(), c));
    const checkpoint = published && published.cosigners.length >= quorum ? published : null;
    this.publishedByQuorum.set(quorum, { checkpoint, at: Date.now() });
    return checkpoint;
  }

  /** Forgets the published checkpoints kept in memory: a cosignature was just accepted. */
  cosigned(): void {
    this.publishedByQuorum.clear();
  }

  /** Whether `note` is a checkpoint of this log signed with its key, for the size and root it is stored with. */
  isGenuine(c: StoredCheckpoint): boolean {
    try {
      const body = parseCheckpoint(openNote(c.note, [this.signer]).text);
      return body.origin === this.origin && body.size === c.size && body.root.equals(c.root);
    } catch (e) {
      if (e instanceof NoteError) return false;
      throw e;
    }
  }

  private firstGenuine(candidates: StoredCheckpoint[]): StoredCheckpoint | null {
    const genuine = candidates.find((c) => this.isGenuine(c)) ?? null;
    if (candidates[0] && genuine !== candidates[0])
      this.log.warn({ size: candidates[0].size }, "audit log: a stored checkpoint does not verify with the log's key; passed over");
    return genuine;
  }

  private keep(c: StoredCheckpoint | null): void {
    if (c && (!this.latest || c.size >= this.latest.size)) {
      // A newer checkpoint is the newest at once.
      if (this.publishedByQuorum.get(0)?.checkpoint?.size !== c.size) this.publishedByQuorum.delete(0);
      this.latest = c;
    }
    this.latestAt = Date.now();
  }

  private sql() {
    return onConnection(this.orm.em.getConnection());
  }

  private async integrateAndSign(): Promise<StoredCheckpoint> {
    const connection = this.orm.em.getConnection();
    // A large backlog (the first start after the migration) is taken in batches, until one is not full.
    let size = await integrate(connection, BATCH);
    while (this.integrated >= 0 && size - this.integrated >= BATCH) [this.integrated, size] = [size, await integrate(connection, BATCH)];
    if (this.integrated < 0 && size >= BATCH) size = await this.drain(connection, size);
    this.integrated = size;
    if (!this.latest) this.keep(this.firstGenuine(await newestCheckpoints(onConnection(connection), this.keyName)));
    if (this.latest && this.latest.size >= size) return this.latest;
    const root = await withTree(onConnection(connection), size, (read) => rootHash(read, size));
    const note = signNote(checkpointText({ origin: this.origin, size, root }), [this.signer]);
    const checkpoint = { size, root, note };
    await storeCheckpoint(connection, this.keyName, checkpoint);
    this.keep(checkpoint);
    return checkpoint;
  }

  /** The first integration of this process, with no earlier size to compare: batches until one adds nothing. */
  private async drain(connection: ReturnType<MikroORM['em']['getConnection']>, size: number): Promise<number> {
    for (let before = -1; size !== before;) [before, size] = [size, await integrate(connection, BATCH)];
    return size;
  }
}
