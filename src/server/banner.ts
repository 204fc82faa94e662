/**
 * What the server prints once it listens: only what it serves. GraphiQL where it is on; where it is off (production,
 * unless GRAPHIQL=true), the GraphQL endpoint and the setting that would serve GraphiQL — a browser pointed at the
 * endpoint would otherwise get a refusal it cannot explain. The demo accounts where the demo data was loaded.
 */
export function startupBanner(url: string, graphiql: boolean, demoPassword: string | null): string {
  const lines = [graphiql ? `Sinergi is up: GraphiQL at ${url}` : `Sinergi is up: GraphQL at ${url} (POST; GraphiQL is off: GRAPHIQL=true serves it)`];
  if (demoPassword)
    lines.push(
      `Demo accounts (password "${demoPassword}"):`,
      '  viewer@<code>.demo, editor@<code>.demo, admin@<code>.demo for each ministry code in lower case,',
      '  e.g. editor@kp2mi.demo, admin@kesdm.demo, viewer@kemenperin.demo',
      '  auditor@audit.demo (AUDITOR), admin@platform.demo (PLATFORM_ADMIN)',
      graphiql
        ? 'Log in with the bar above GraphiQL, or: mutation { login(email: "editor@kp2mi.demo", password: "…") { token } }'
        : 'Log in with: mutation { login(email: "editor@kp2mi.demo", password: "…") { token } }',
    );
  return `${lines.join('\n')}\n`;
}
