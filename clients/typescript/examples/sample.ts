/**
 * A complete client: log in, page a list into Apollo's cache, read one
 * record by id, create one, log out. Type-checked against the built SDK by
 * the API's tests (test/sdk.test.ts); run it against a server, after `npm run build`, with
 * `SINERGI_URL=http://127.0.0.1:4000/graphql SINERGI_EMAIL=… SINERGI_PASSWORD=… npx tsx --tsconfig examples/tsconfig.json examples/sample.ts`
 * (the tsconfig maps `@sinergi/client` to the build).
 */
import { createSinergiClient, CreateInstitutionDocument, InstitutionNodeDocument, InstitutionsDocument, type InstitutionFieldsFragment } from '@sinergi/client';

export async function main(): Promise<void> {
  const sinergi = createSinergiClient({ uri: process.env.SINERGI_URL ?? 'http://127.0.0.1:4000/graphql' });
  const account = await sinergi.login(process.env.SINERGI_EMAIL ?? '', process.env.SINERGI_PASSWORD ?? '');
  console.log(`logged in as ${account.displayName} (${account.role})`);

  // Two pages of 20, merged into one list by the cache's relayStylePagination.
  const variables = { first: 20, filter: { pmiPreparation: true }, orderBy: { field: 'NAME', direction: 'ASC' } } as const;
  const watched = sinergi.apollo.watchQuery({ query: InstitutionsDocument, variables });
  const first = await sinergi.apollo.query({ query: InstitutionsDocument, variables });
  const page = first.data?.institutions;
  if (page?.pageInfo.hasNextPage) await watched.fetchMore({ variables: { after: page.pageInfo.endCursor } });
  const all = sinergi.apollo.readQuery({ query: InstitutionsDocument, variables })?.institutions?.edges ?? [];
  const names: string[] = all.map((edge) => edge.node.name);
  console.log(`${names.length} of ${page?.totalCount ?? 0} institutions preparing calon PMI`);

  // One record by its global id: answered from the cache, which holds it already.
  const id = all[0]?.node.id;
  if (id) {
    const { data } = await sinergi.apollo.query({ query: InstitutionNodeDocument, variables: { id } });
    const institution = data?.node as InstitutionFieldsFragment | null | undefined;
    console.log(`first: ${institution?.name} (${institution?.provinceCode}), capacity ${institution?.annualCapacity}`);
  }

  const created = await sinergi.apollo.mutate({
    mutation: CreateInstitutionDocument,
    variables: { input: { name: 'BLK Contoh', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 120, sectors: ['TOURISM', 'HEALTH'] } },
  });
  console.log(`created ${created.data?.createInstitution?.id}`);
  await sinergi.logout();
}

if (require.main === module) void main();
