/**
 * Client credentials: a public client id and a secret of 256 random bits, shown once. Only the secret's
 * SHA-256 is stored: a secret this long cannot be guessed, so a slow password hash would add nothing but
 * cost at every token request (GitHub and Stripe keep their API keys the same way). The prefixes let a
 * secret scanner recognise a leaked secret.
 */
import { createHash, randomBytes } from 'node:crypto';

export const CLIENT_ID_PATTERN = /^app_[A-Za-z0-9_-]{22}$/;
export const SECRET_PREFIX = 'sinergi_cs_';

export const newClientId = (): string => `app_${randomBytes(16).toString('base64url')}`;
export const newClientSecret = (): string => `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;

/** The stored form of a secret: SHA-256, hex. */
export const secretHash = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** A trusted document's id: `sha256:` and the hex SHA-256 of its exact text (GraphQL-over-HTTP persisted documents). */
export const documentIdOf = (body: string): string => `sha256:${createHash('sha256').update(body, 'utf8').digest('hex')}`;
