/** `npm run schema:emit`: writes the SDL the code builds to schema/schema.graphql (checked in; a test fails on drift). */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { printSchemaFile } from '../src/graphql/schema';
import { SCHEMA_FILE } from '../src/graphql/schema';

printSchemaFile().then((sdl) => {
  writeFileSync(SCHEMA_FILE, sdl);
  console.log(`wrote ${SCHEMA_FILE}`);
});
