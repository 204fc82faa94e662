/**
 * `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for a ministry's client apps.
 * The app authenticates with `client_secret_basic` (HTTP Basic, each half form-encoded first, §2.3.1) or
 * `client_secret_post` (`client_id` and `client_secret` in the form), never both (§2.3); the answer is a
 * bearer token used as a staff token is (§5.1), or an error object (§5.2). The grant itself is the
 * `clientCredentialsToken` mutation, run as nobody: the same checks, failure delays and audit event.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RETRY_AFTER_SECONDS } from '../shared/errors';
import type { RunOperation } from './export-csv';
import { send } from './http';
import { BodyRefused, readBody } from './request-body';

export const TOKEN_PATH = '/oauth/token';

/** A token request is a short form: a grant type and, with `client_secret_post`, two credentials. */
const FORM_LIMITS = { bytes: 4 * 1024, depth: 0, containers: 0 };

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const CHALLENGE = { 'www-authenticate': 'Basic realm="sinergi", charset="UTF-8"' };

const GRANT = `mutation ClientCredentials($clientId: String!, $clientSecret: String!) {
  clientCredentialsToken(clientId: $clientId, clientSecret: $clientSecret) { token expiresAt }
}`;

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'temporarily_unavailable';

function refuse(res: ServerResponse, status: number, error: OAuthError, description: string, extra: Record<string, string> = {}): void {
  send(res, status, 'application/json', JSON.stringify({ error, error_description: description }), { ...NO_STORE, ...extra });
}

/** The client id and secret of an HTTP Basic header (RFC 6749 §2.3.1: each form-encoded, then joined by a colon), or null. */
function basicCredentials(header: string): { clientId: string; clientSecret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

export async function oauthToken(req: IncomingMessage, res: ServerResponse, run: () => Promise<RunOperation>): Promise<void> {
  if (req.method !== 'POST') return refuse(res, 405, 'invalid_request', 'A token is requested with POST (RFC 6749 §4.4.2).', { allow: 'POST' });
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    return refuse(res, 400, 'invalid_request', 'Send the request as application/x-www-form-urlencoded (RFC 6749 §4.4.2).');
  let form: URLSearchParams;
  try {
    form = new URLSearchParams(await readBody(req, FORM_LIMITS, false, 'A token request is at most 4 KiB.'));
  } catch (e) {
    if (e instanceof BodyRefused) return refuse(res, e.status, 'invalid_request', e.message, { connection: 'close' });
    throw e;
  }
  for (const name of new Set(form.keys()))
    if (form.getAll(name).length > 1) return refuse(res, 400, 'invalid_request', `${name} is given more than once (RFC 6749 §3.2).`);
  const grant = form.get('grant_type');
  if (!grant) return refuse(res, 400, 'invalid_request', 'grant_type is required: client_credentials.');
  if (grant !== 'client_credentials')
    return refuse(res, 400, 'unsupported_grant_type', 'This endpoint grants client_credentials only; staff sign in with the login mutation.');
  // An app acts with the role its ADMIN gave it: there is nothing narrower to ask for.
  if (form.get('scope')) return refuse(res, 400, 'invalid_scope', "Scopes are not used: an app's token carries the role its ADMIN registered it with.");

  const header = req.headers.authorization;
  const posted = form.has('client_id') || form.has('client_secret');
  if (header && posted)
    return refuse(res, 400, 'invalid_request', 'Authenticate one way only: HTTP Basic or client_id and client_secret in the form (RFC 6749 §2.3).');
  const [postedId, postedSecret] = [form.get('client_id'), form.get('client_secret')];
  const credentials = header ? basicCredentials(header) : postedId && postedSecret ? { clientId: postedId, clientSecret: postedSecret } : null;
  if (!credentials)
    return refuse(res, 401, 'invalid_client', 'Send the client id and secret: HTTP Basic, or client_id and client_secret in the form.', CHALLENGE);

  const runGrant = await run();
  const page = (await runGrant({ query: GRANT, variables: credentials })) as {
    data?: { clientCredentialsToken?: { token: string; expiresAt: string } | null } | null;
    errors?: { message: string; extensions?: { code?: string; retryAfter?: number } }[];
  } | null;
  if (!page) return refuse(res, 503, 'temporarily_unavailable', 'The server is busy; try again shortly.', { 'retry-after': String(RETRY_AFTER_SECONDS) });
  const granted = page.data?.clientCredentialsToken;
  if (granted) {
    const expiresIn = Math.max(0, Math.round((Date.parse(granted.expiresAt) - Date.now()) / 1000));
    return send(res, 200, 'application/json', JSON.stringify({ access_token: granted.token, token_type: 'Bearer', expires_in: expiresIn }), NO_STORE);
  }
  const error = page.errors?.[0];
  const message = error?.message ?? 'The token could not be issued.';
  const code = error?.extensions?.code;
  if (code === 'TOO_MANY_REQUESTS')
    return refuse(res, 429, 'invalid_client', message, { 'retry-after': String(error?.extensions?.retryAfter ?? RETRY_AFTER_SECONDS) });
  if (code === 'UNAUTHENTICATED') return refuse(res, 401, 'invalid_client', message, CHALLENGE);
  if (code === 'BAD_USER_INPUT') return refuse(res, 400, 'invalid_request', message);
  return refuse(res, 503, 'temporarily_unavailable', message, { 'retry-after': String(RETRY_AFTER_SECONDS) });
}
