/**
 * `statistics`: a dashboard in one request. Each resource declares its totals
 * and breakdowns; `sinergi_statistics` (generated from the same declarations)
 * computes them in the database over the caller's scope (auditors:
 * everything; ministry staff: their own data plus what clauses in force share
 * with them), and only the parts a client selects are computed — all of them
 * in a single statement.
 */
import DataLoader from 'dataloader';
import { Extensions, Ctx, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { FIELD_COST } from '../../shared/query-limits';
import type { Context } from '../../context';
import type { Breakdown, Resource, Total } from '../../resource/resource';
import { PROVINCES } from '../../shared/regions';
import { Ministry } from '../../data/ministry.entity';
import { destinationCountries } from '../country/country.service';

@ObjectType({
  simpleResolvers: true,
  description:
    'One group of a breakdown: `capacity` is annual capacity for institutions, intake capacity for programmes, financing (rupiah) for returnee businesses.',
})
export class Bucket {
  @Field(() => String) key!: string;
  @Field(() => String) label!: string;
  @Field(() => Int) count!: number;
  @Field(() => Float, { nullable: true }) capacity!: number | null;
}

const humanize = (v: string) => v.charAt(0) + v.slice(1).toLowerCase().replace(/_/g, ' ');

type Load = (kind: string) => Promise<unknown>;
type Label = (breakdown: Breakdown, key: string) => Promise<string>;

@ObjectType({ description: 'Aggregates over your scope. Select only what a dashboard needs: unselected parts are not computed.' })
class Statistics {
  constructor(
    readonly load: Load,
    readonly label: Label,
  ) {}
}

/** Adds a field to `Statistics` the way `@Field` on a getter method would. */
function addField(name: string, type: () => unknown, description: string | undefined, body: (this: Statistics) => Promise<unknown>) {
  Object.defineProperty(Statistics.prototype, name, { value: body, writable: true, configurable: true });
  Field(type as never, { nullable: true, description })(
    Statistics.prototype,
    name,
    Object.getOwnPropertyDescriptor(Statistics.prototype, name) as PropertyDescriptor,
  );
}

/** The `statistics` query over every declared total and breakdown. */
export function statisticsResolver(resources: readonly Resource[]) {
  const totals: [string, Total][] = resources.flatMap((r) => Object.entries(r.statistics?.totals ?? {}));
  const breakdowns: [string, Breakdown][] = resources.flatMap((r) => Object.entries(r.statistics?.breakdowns ?? {}));
  for (const [name, total] of totals) {
    addField(
      name,
      () => (total.type === 'Float' ? Float : Int),
      total.description,
      async function () {
        return Number(((await this.load('totals')) as Record<string, number>)[name]);
      },
    );
  }
  for (const [name, breakdown] of breakdowns) {
    addField(
      name,
      () => [Bucket],
      breakdown.description,
      async function () {
        const rows = (await this.load(name)) as { key: string; count: number; capacity: number | null }[];
        return Promise.all(
          rows.map(async (r) => ({ ...r, capacity: r.capacity === null ? null : Number(r.capacity), label: await this.label(breakdown, r.key) })),
        );
      },
    );
  }

  @Resolver(() => Statistics)
  class StatisticsResolver {
    @Extensions({ cost: FIELD_COST.statistics })
    @Query(() => Statistics, {
      nullable: true,
      description: 'The programme in figures over your scope: auditors see everything, ministry staff their own data and what MoUs share with them.',
    })
    statistics(@Ctx() ctx: Context): Statistics {
      const loader = new DataLoader<string, unknown>(async (kinds) => {
        const [row] = await ctx.em.execute<{ s: Record<string, unknown> }[]>('select sinergi_statistics(?::text[]) as s', [`{${kinds.join(',')}}`]);
        return kinds.map((k) => row.s[k] ?? []);
      });
      const label: Label = async (b, key) => {
        if (b.label === 'ministry') {
          const m = await ctx.loaders.byId(Ministry).load(key);
          return m ? `${m.code} — ${m.nameEn}` : key;
        }
        if (b.label === 'province') return PROVINCES[key] ?? key;
        if (b.label === 'country') return (await destinationCountries(ctx)).get(key)?.nameEn ?? key;
        if (b.label && typeof b.label === 'object') return b.label[key] ?? key;
        if (key === 'true' || key === 'false') return key === 'true' ? 'Yes' : 'No';
        return humanize(key);
      };
      return new Statistics((kind) => loader.load(kind), label);
    }
  }
  return StatisticsResolver;
}

export const statisticsPolicy = { statistics: { audience: 'staff-or-auditor', scoped: true } } as const;
