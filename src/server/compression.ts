/**
 * Response compression (Node's zlib: brotli or gzip, as the client accepts),
 * for bodies over 1 KB. GraphQL answers are compressed on libuv's thread pool
 * (asynchronous zlib), so a 1,000-row page does not stall other requests;
 * brotli at quality 4 keeps that quick. Static files are compressed once, at
 * the best quality, also on the thread pool, and kept.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export type Encoding = 'br' | 'gzip';

/** Below this, compression saves less than it costs. */
export const MIN_COMPRESSED_BYTES = 1024;

/** The encoding to answer in: brotli when accepted, else gzip, else none (q=0 refuses one). */
export function acceptedEncoding(header: string | string[] | undefined): Encoding | null {
  const accepted = new Map<string, number>();
  for (const part of String(header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (e: string) => (accepted.get(e) ?? accepted.get('*') ?? 0) > 0;
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : null;
}

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Compresses a response body for the wire, asynchronously. */
export function compress(body: string | Buffer, encoding: Encoding): Promise<Buffer> {
  return encoding === 'br'
    ? brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(body) } })
    : gzip(body, { level: 6 });
}

/** A static file compressed at the best quality, on the thread pool: once per file and encoding, then kept. */
export function compressStatic(body: Buffer, encoding: Encoding): Promise<Buffer> {
  return encoding === 'br' ? brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }) : gzip(body, { level: 9 });
}
