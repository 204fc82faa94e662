/**
 * Limits on what one operation may ask for, so a single query cannot make the
 * server fetch and serialise millions of rows: a depth limit
 * (graphql-depth-limit, a validation rule) and a cost limit
 * (graphql-query-complexity) in which a list costs its page size times what
 * each of its items costs.
 */
import depthLimit from 'graphql-depth-limit';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { AppError, ErrorCode } from './errors';
import { DEFAULT_PAGE, MAX_PAGE } from './pagination';

export const MAX_DEPTH = 20;
/** About 100,000 fields: e.g. 1,000 trainees with 100 fields each, or 100 institutions × 100 programmes × 10 fields. */
export const MAX_COMPLEXITY = 100_000;

export const depthRule = depthLimit(MAX_DEPTH);

/** Connections cost their page size (first/last, else the default) times the cost of one edge. */
const pageEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  if (!String(field.type).endsWith('Connection!')) return undefined;
  const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : DEFAULT_PAGE;
  // Out-of-range sizes are refused by the argument's own validation, which names the field.
  return 1 + Math.min(Math.max(size, 1), MAX_PAGE) * childComplexity;
};

export function assertComplexity(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName?: string): void {
  const complexity = getComplexity({ schema, query: document, variables, operationName, estimators: [pageEstimator, simpleEstimator({ defaultComplexity: 1 })] });
  if (complexity > MAX_COMPLEXITY) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `This operation would cost ${complexity} (at most ${MAX_COMPLEXITY}): ask for smaller pages or fewer nested lists.`, { complexity, maximumComplexity: MAX_COMPLEXITY, http: { status: 400 } });
  }
}
