/**
 * Dependencies point one way (issues 10 and 30): server/ composes graphql/,
 * which builds on the modules; modules use access/ and the generic kernel,
 * which use shared/; nothing points back, and no file is in an import
 * circle. `npm run deps` checks it, and CI runs it.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles, type-only imports included: each file reads as built from those below it (issue 30).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'server-is-the-top',
      severity: 'error',
      comment: 'src/server/ (HTTP, routes, CORS, compression, downloads, metrics, tracing, GraphiQL) composes the rest; nothing below imports it.',
      from: { path: '^src/', pathNot: '^src/server/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'graphql-below-server-only',
      severity: 'error',
      comment: 'src/graphql/ (the schema, its documentation and middleware) is built from the modules; only the server uses it.',
      from: { path: '^src/', pathNot: '^src/(server|graphql)/' },
      to: { path: '^src/graphql/' },
    },
    {
      name: 'shared-is-a-leaf',
      severity: 'error',
      comment: 'shared/ holds helpers every layer uses: it imports no feature module, kernel, access rule or request context.',
      from: { path: '^src/shared/' },
      to: { path: '^src/(modules|access|kernel)/|^src/context\\.ts$' },
    },
    {
      name: 'kernel-knows-no-feature',
      severity: 'error',
      comment: 'The generic kernel (owned entities, CRUD, lists, loaders, exports) serves every module and names none.',
      from: { path: '^src/kernel/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'access-knows-no-feature',
      severity: 'error',
      comment: 'access/ decides who may see what for any resource; features plug into it, not the reverse.',
      from: { path: '^src/access/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'no-resolver-imports',
      severity: 'error',
      comment: "A module uses another module's entity, rules or service, never its resolver.",
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/.+\\.resolver\\.ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'migrations-are-frozen',
      severity: 'error',
      comment: 'An applied migration must not change when src/ does, nor src/ when a migration is edited.',
      from: { path: '^src/' },
      to: { path: '^migrations/' },
    },
  ],
  options: { doNotFollow: { path: 'node_modules' }, tsConfig: { fileName: 'tsconfig.json' }, tsPreCompilationDeps: true },
};
