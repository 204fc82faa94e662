/**
 * A request body read within its limits while it streams in (issue 29): the
 * byte limit is checked chunk by chunk, and a JSON body's nesting depth and
 * number of arrays and objects are counted as the bytes arrive, so a body
 * built to make `JSON.parse` work hard (megabytes of nested arrays) is
 * refused after its first chunk, before any parsing. A GraphQL request is a
 * small object whose variables hold inputs a few levels deep; nothing a
 * client needs comes near these limits.
 */
import type { IncomingMessage } from 'node:http';

export interface BodyLimits {
  bytes: number;
  /** Deepest nesting of arrays and objects (JSON bodies only). */
  depth: number;
  /** Arrays and objects in all (JSON bodies only). */
  containers: number;
}

export class BodyRefused extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/** Counts nesting across chunks: only brackets outside strings count. */
export class JsonShape {
  private depth = 0;
  private containers = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly limits: Pick<BodyLimits, 'depth' | 'containers'>) {}

  /** Takes the next chunk; throws `BodyRefused` as soon as a limit is passed. */
  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
      } else if (c === 0x22) this.inString = true;
      else if (c === 0x5b || c === 0x7b) {
        if (++this.depth > this.limits.depth) throw new BodyRefused(400, `The JSON body is nested deeper than ${this.limits.depth} levels.`);
        if (++this.containers > this.limits.containers)
          throw new BodyRefused(400, `The JSON body holds more than ${this.limits.containers} arrays and objects.`);
      } else if (c === 0x5d || c === 0x7d) this.depth--;
    }
  }
}

/**
 * The body as text, read within `limits`: refused at once by its declared
 * length, else as soon as it passes a limit while streaming (the rest is not
 * read). `json`: count the JSON shape too.
 */
export async function readBody(req: IncomingMessage, limits: BodyLimits, json: boolean, tooLarge: string): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.bytes) throw new BodyRefused(413, tooLarge);
  const shape = json ? new JsonShape(limits) : null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limits.bytes) throw new BodyRefused(413, tooLarge);
    shape?.feed(chunk as Buffer);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
