/**
 * Runs `fn` outside the caller's async context: work a request starts but does not own (sealing audit
 * events, integrating the audit log) must not be counted in the request's statements, nor see its
 * transaction or its span. Bound once, here, to the context this module was loaded in.
 */
import { AsyncResource } from 'node:async_hooks';

export const detached = AsyncResource.bind(
  <T>(fn: () => Promise<T>): Promise<T> => new Promise<T>((resolve, reject) => setImmediate(() => fn().then(resolve, reject))),
);
