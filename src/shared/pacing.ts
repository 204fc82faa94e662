/**
 * Cooperative pacing for long work on the one event loop (imports, exports):
 * after at most `sliceMs` of work it pauses about as long as it worked, so
 * other clients' requests — which need several turns of the loop each, one
 * per database round trip — keep at least half of the server's time.
 */
export class Pacer {
  private since = performance.now();
  constructor(private readonly sliceMs = 8) {}

  /** Call often (every row): it costs one clock read unless a pause is due. */
  async tick(): Promise<void> {
    const busy = performance.now() - this.since;
    if (busy < this.sliceMs) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.ceil(busy), 50)));
    this.since = performance.now();
  }
}
