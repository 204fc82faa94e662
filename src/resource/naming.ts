/**
 * Every name the resource machinery generates, in one place (as PostGraphile's
 * inflectors): a resource's type name is the only name it declares, and its
 * table, list, inputs, order enum, mutations and CSV columns are named here.
 */

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** `ReturneeBusiness` → `returnee_business`. */
export const snakeCase = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
/** `NAME`-style enum value of a property: `annualCapacity` → `ANNUAL_CAPACITY`. */
export const constantCase = (s: string) => snakeCase(s).toUpperCase();
/** English plural of a camel-case name's last word, enough for the programme's nouns. */
export const plural = (s: string) => (/(s|x|sh|ch)$/.test(s) ? `${s}es` : /[^aeiou]y$/.test(s) ? `${s.slice(0, -1)}ies` : `${s}s`);

/** A property or type as words: `businessName` → `business name`. */
export const words = (s: string) =>
  snakeCase(s)
    .replace(/_/g, ' ')
    .replace(/\bnik\b/, 'NIK');

/** Words as a sentence begins them. */
export const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const naming = {
  /** A type as a sentence names it, with its article: `Institution` → `an institution`. */
  aType: (type: string) => {
    const words = snakeCase(type).replace(/_/g, ' ');
    return `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words}`;
  },
  table: (type: string) => snakeCase(type),
  list: (type: string) => plural(lowerFirst(type)),
  exportField: (type: string) => `${plural(lowerFirst(type))}Csv`,
  createInput: (type: string) => `Create${type}Input`,
  updateInput: (type: string) => `Update${type}Input`,
  filter: (type: string) => `${type}Filter`,
  order: (type: string) => `${type}Order`,
  orderField: (type: string) => `${type}OrderField`,
  orderValue: (property: string) => constantCase(property),
  create: (type: string) => `create${type}`,
  update: (type: string) => `update${type}`,
  delete: (type: string) => `delete${type}`,
  /** The input (and filter) field of a relation: `institution` → `institutionId`. */
  referenceInput: (field: string) => `${field}Id`,
  /** A relation's CSV column, by the related record's externalId or global id. */
  referenceColumn: (field: string, by: 'externalId' | 'id') => (by === 'externalId' ? `${field}ExternalId` : `${field}Id`),
  /** The value of `ImportKind` of a resource's file: `ReturneeBusiness` → `RETURNEE_BUSINESSES`. */
  importKind: (type: string) => constantCase(plural(type)),
  /** The clause resource type (`ResourceType`) of a resource: `ReturneeBusiness` → `RETURNEE_BUSINESS`. */
  clauseType: (type: string) => constantCase(type),
};
