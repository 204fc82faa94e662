/**
 * The schema's documentation where the decorators leave it out: every type,
 * field, argument and enum value of the contract has a description
 * (test/contract.test.ts fails on one that lacks it).
 *
 * A description written at its decorator wins. What is left is filled here in
 * one of three ways, so that one fact is written once:
 * - shapes every resource repeats (connections, edges, orders, filters, the
 *   create/update inputs and their arguments, ids and versions) by rule;
 * - an input field, filter field or argument takes the description of the
 *   output field of the same name on its resource's type (`CreateTraineeInput.sex`
 *   says what `Trainee.sex` says);
 * - the rest from `GLOSSARY`, by schema coordinate. A glossary entry that
 *   names nothing in the schema fails the same test, so it cannot go stale.
 */
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLEnumValue,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { GLOSSARY } from './schema-glossary';

type Described = { description?: string | null };

const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/** Fields and arguments of the same name mean the same wherever they are. */
const SHARED: Record<string, string> = {
  id: 'Opaque global id.',
  createdAt: 'When the record was created.',
  updatedAt: 'When the record last changed.',
  version: 'Optimistic-lock version: starts at 1 and grows by one with every change. Send it back as `expectedVersion` to refuse a stale edit.',
  expectedVersion: 'The `version` you last read; the change is refused with CONFLICT when the record has moved on since.',
  externalId: 'Your own stable id for this row (e.g. from the spreadsheet it came from); unique within your ministry, the key of CSV re-imports.',
  ownerMinistryId: 'Only records owned by this ministry (global id).',
  first: 'Page size, 0 to 1000 (default 20).',
  after: 'Cursor of the last edge already seen: the page starts after it.',
  last: 'Page size counted back from `before` (or the end).',
  before: 'Cursor of the first edge already seen: the page ends before it.',
  filter: 'Only records matching every field given.',
  orderBy: 'Sort order; ties are broken by id. Default: by id.',
  direction: 'Ascending or descending.',
  signatoryName: 'Name of the person signing for your ministry.',
  signatoryTitle: "The signatory's office, e.g. Minister or Secretary General.",
  nameEn: 'Name in English.',
  nameId: 'Name in Indonesian.',
};

/** The resource type an input or filter type speaks for: `CreateTraineeInput` → `Trainee`. */
function resourceOf(schema: GraphQLSchema, typeName: string): string | undefined {
  const m = /^(?:Create|Update)(\w+?)(?:Draft)?Input$|^(\w+?)(?:Filter|Input)$/.exec(typeName);
  const name = m?.[1] ?? m?.[2];
  return name && isObjectType(schema.getType(name)) ? name : undefined;
}

function fieldDescription(schema: GraphQLSchema, typeName: string, fieldName: string): string | undefined {
  const type = schema.getType(typeName);
  return isObjectType(type) || isInterfaceType(type) ? (type.getFields()[fieldName]?.description ?? undefined) : undefined;
}

function typeRule(schema: GraphQLSchema, type: GraphQLNamedType): string | undefined {
  const n = type.name;
  let m: RegExpExecArray | null;
  if ((m = /^(\w+)Connection$/.exec(n))) return `A page of ${m[1]} records (Relay connection): edges with cursors, page info, and the total in your scope.`;
  if ((m = /^(\w+)Edge$/.exec(n))) return `One ${m[1]} in a page, with the cursor to page on from it.`;
  if ((m = /^(\w+)OrderField$/.exec(n))) return `What ${m[1]} lists can be sorted by.`;
  if ((m = /^(\w+)Order$/.exec(n))) return `How to sort a ${m[1]} list: a field and a direction.`;
  if ((m = /^(\w+)Filter$/.exec(n))) return `Narrows a ${m[1]} list: only records matching every field given.`;
  if ((m = /^Create(\w+)Input$/.exec(n))) return `The fields of a new ${m[1]}.`;
  if ((m = /^Update(\w+)Input$/.exec(n))) return `Changes to a ${m[1]}: its id and the fields to change; fields left out keep their value.`;
  return undefined;
}

function fieldRule(schema: GraphQLSchema, typeName: string, fieldName: string): string | undefined {
  let m: RegExpExecArray | null;
  if (/Connection$/.test(typeName)) {
    if (fieldName === 'edges') return 'The records of this page, each with its cursor.';
    if (fieldName === 'pageInfo') return 'Where this page lies: cursors of its ends and whether more pages follow.';
  }
  if (/Edge$/.test(typeName)) {
    if (fieldName === 'cursor') return 'Opaque cursor of this edge: pass it as `after` (or `before`) to page on from here.';
    if (fieldName === 'node') return 'The record.';
  }
  if (/Order$/.test(typeName) && fieldName === 'field') return 'The field to sort by.';
  if (/OrderField$/.test(typeName)) return `Sort by ${fieldName.toLowerCase().replace(/_/g, ' ')}.`;
  if (typeName === 'Mutation') {
    if ((m = /^create(\w+)$/.exec(fieldName)))
      return `Create a ${m[1]} owned by your ministry (EDITOR or ADMIN). The owner is always your ministry, never an input.`;
    if ((m = /^delete(\w+)$/.exec(fieldName)))
      return `Delete a ${m[1]} of your ministry (EDITOR or ADMIN). Refused with CONFLICT while other records still refer to it.`;
  }
  const resource = resourceOf(schema, typeName);
  if (resource) {
    const inherited = fieldDescription(schema, resource, fieldName);
    if (/Filter$/.test(typeName)) return inherited ? `Only records with this value. ${inherited}` : undefined;
    if (inherited) return inherited;
  }
  return undefined;
}

function argumentRule(schema: GraphQLSchema, typeName: string, fieldName: string, argName: string): string | undefined {
  if (typeName === 'Mutation' && argName === 'input') {
    const m = /^(create|update)(\w+)$/.exec(fieldName);
    if (m?.[1] === 'create') return `The new ${m[2]}'s fields.`;
    if (m?.[1] === 'update') return `The ${m[2]}'s id, its expected version, and the fields to change.`;
    return 'What to do; see the input type.';
  }
  if (typeName === 'Mutation' && argName === 'id' && /^delete/.test(fieldName)) return 'Global id of the record to delete.';
  return undefined;
}

/** Fills in what the decorators left out; returns the glossary coordinates it used. */
export function documentSchema(schema: GraphQLSchema): Set<string> {
  const used = new Set<string>();
  const fill = (target: Described, coordinate: string, ...candidates: (() => string | undefined)[]) => {
    if (target.description) return;
    if (GLOSSARY[coordinate]) {
      target.description = GLOSSARY[coordinate];
      used.add(coordinate);
      return;
    }
    for (const c of candidates) {
      const d = c();
      if (d) {
        target.description = d;
        return;
      }
    }
  };
  // Output types first: input fields and arguments take over their descriptions.
  const types = Object.values(schema.getTypeMap()).sort((a, b) => Number(isInputObjectType(a)) - Number(isInputObjectType(b)));
  for (const type of types) {
    if (type.name.startsWith('__') || BUILT_IN.has(type.name)) continue;
    fill(type, type.name, () => typeRule(schema, type));
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()) as (GraphQLField<unknown, unknown> | GraphQLInputField)[]) {
        const at = `${type.name}.${field.name}`;
        fill(
          field,
          at,
          () => fieldRule(schema, type.name, field.name),
          () => SHARED[field.name],
        );
        for (const arg of ('args' in field ? field.args : []) as GraphQLArgument[]) {
          fill(
            arg,
            `${at}.${arg.name}`,
            () => argumentRule(schema, type.name, field.name, arg.name),
            () => SHARED[arg.name],
          );
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues() as GraphQLEnumValue[]) {
        fill(value, `${type.name}.${value.name}`, () =>
          /OrderField$/.test(type.name) ? `Sort by ${value.name.toLowerCase().replace(/_/g, ' ')}.` : undefined,
        );
      }
    }
  }
  return used;
}

/** Every coordinate of the schema (types, fields, arguments, enum values) without a description. */
export function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || BUILT_IN.has(type.name)) continue;
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()) as (GraphQLField<unknown, unknown> | GraphQLInputField)[]) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of ('args' in field ? field.args : []) as GraphQLArgument[])
          if (!arg.description) missing.push(`${type.name}.${field.name}.${arg.name}`);
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
  }
  return missing;
}
