/// <reference lib="dom" />
/**
 * The client app of the real-browser test (test/browser.test.ts): bundled by
 * esbuild and served from an origin of its own, it calls the API on another
 * through the TypeScript SDK (clients/typescript) and its Apollo Client, as a
 * ministry's web app would.
 */
import { CreateInstitutionDocument, createSinergiClient, InstitutionsDocument } from '../../clients/typescript/src';

async function run(api: string, email: string, password: string) {
  const sinergi = createSinergiClient({ uri: api });
  try {
    await sinergi.login(email, password);
    const variables = { first: 2, orderBy: { field: 'CREATED_AT', direction: 'ASC' } } as const;
    const watched = sinergi.apollo.watchQuery({ query: InstitutionsDocument, variables });
    const first = await sinergi.apollo.query({ query: InstitutionsDocument, variables });
    const page = first.data?.institutions;
    await watched.fetchMore({ variables: { after: page?.pageInfo.endCursor } });
    // The SDK's type policies merge the second page after the first, in the cache.
    const merged = sinergi.apollo.readQuery({ query: InstitutionsDocument, variables });
    const created = await sinergi.apollo.mutate({
      mutation: CreateInstitutionDocument,
      variables: { input: { name: 'BLK Browser Test', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 40 } },
    });
    return {
      firstPage: page?.edges?.map((e) => e.node.id) ?? [],
      merged: merged?.institutions?.edges?.map((e) => e.node.id) ?? [],
      created: created.data?.createInstitution ?? null,
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

(window as unknown as { run: typeof run }).run = run;
