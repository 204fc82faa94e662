/**
 * `statistics`: a dashboard in one request. Every figure is computed in the
 * database over the caller's scope (auditors: everything; ministry staff: their
 * own data plus what clauses in force share with them), and only the parts a
 * client selects are computed — all of them in a single statement.
 */
import { destinationCountries } from '../country/country.service';
import DataLoader from 'dataloader';
import { Ctx, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { PROVINCES } from '../../shared/regions';
import { Ministry } from '../../kernel/ministry.entity';

@ObjectType({ simpleResolvers: true, description: 'One group of a breakdown: `capacity` is annual capacity for institutions, intake capacity for programmes, financing (rupiah) for returnee businesses.' })
export class Bucket {
  @Field(() => String) key!: string;
  @Field(() => String) label!: string;
  @Field(() => Int) count!: number;
  @Field(() => Float, { nullable: true }) capacity!: number | null;
}

interface Totals {
  institutionCount: number; totalCapacity: number; pmiPreparationInstitutionCount: number; pmiPreparationCapacity: number; linkAndMatchMinistryCount: number;
  institutionMinistryCount: number; programCount: number; participantCount: number; participantsInTraining: number; traineeCount: number; returneeBusinessCount: number; returneeFinancingTotal: number;
}

/** KBLI 2020 divisions that returnee businesses fall in. */
const KBLI: Record<string, string> = { '03': 'Fisheries', '10': 'Food manufacturing', '14': 'Apparel', '32': 'Other manufacturing (crafts)', '45': 'Motor vehicle trade and repair', '47': 'Retail trade', '56': 'Food and beverage service' };

const humanize = (v: string) => v.charAt(0) + v.slice(1).toLowerCase().replace(/_/g, ' ');

@ObjectType({ description: 'Aggregates over your scope. Select only what a dashboard needs: unselected parts are not computed.' })
export class Statistics {
  constructor(private readonly load: (kind: string) => Promise<unknown>, private readonly label: (kind: string, key: string) => Promise<string>) {}

  private async totals(): Promise<Totals> {
    return (await this.load('totals')) as Totals;
  }

  private async buckets(kind: string): Promise<Bucket[]> {
    const rows = (await this.load(kind)) as { key: string; count: number; capacity: number | null }[];
    return Promise.all(rows.map(async (r) => ({ ...r, capacity: r.capacity === null ? null : Number(r.capacity), label: await this.label(kind, r.key) })));
  }

  @Field(() => Int) async institutionCount() { return (await this.totals()).institutionCount; }
  @Field(() => Int, { description: 'Annual training capacity (daya latih).' }) async totalCapacity() { return (await this.totals()).totalCapacity; }
  @Field(() => Int, { description: 'Institutions directly engaged in preparing calon PMI.' }) async pmiPreparationInstitutionCount() { return (await this.totals()).pmiPreparationInstitutionCount; }
  @Field(() => Int) async pmiPreparationCapacity() { return (await this.totals()).pmiPreparationCapacity; }
  @Field(() => Int, { description: 'Ministries with institution data marked link-and-match with overseas labour demand.' }) async linkAndMatchMinistryCount() { return (await this.totals()).linkAndMatchMinistryCount; }
  @Field(() => Int, { description: 'Ministries owning institutions.' }) async institutionMinistryCount() { return (await this.totals()).institutionMinistryCount; }
  @Field(() => Int) async programCount() { return (await this.totals()).programCount; }
  @Field(() => Int, { description: 'Enrollments in any status.' }) async participantCount() { return (await this.totals()).participantCount; }
  @Field(() => Int, { description: 'Enrollments currently in training (ENROLLED).' }) async participantsInTraining() { return (await this.totals()).participantsInTraining; }
  @Field(() => Int) async traineeCount() { return (await this.totals()).traineeCount; }
  @Field(() => Int) async returneeBusinessCount() { return (await this.totals()).returneeBusinessCount; }
  @Field(() => Float, { description: 'Rupiah.' }) async returneeFinancingTotal() { return Number((await this.totals()).returneeFinancingTotal); }

  @Field(() => [Bucket]) institutionsByMinistry() { return this.buckets('institutionsByMinistry'); }
  @Field(() => [Bucket]) institutionsByType() { return this.buckets('institutionsByType'); }
  @Field(() => [Bucket]) institutionsByProvince() { return this.buckets('institutionsByProvince'); }
  @Field(() => [Bucket], { description: 'An institution offering several sectors counts in each.' }) institutionsBySector() { return this.buckets('institutionsBySector'); }
  @Field(() => [Bucket]) institutionsByLinkAndMatch() { return this.buckets('institutionsByLinkAndMatch'); }
  @Field(() => [Bucket]) institutionsByPmiPreparation() { return this.buckets('institutionsByPmiPreparation'); }
  @Field(() => [Bucket]) programsByStatus() { return this.buckets('programsByStatus'); }
  @Field(() => [Bucket]) programsBySector() { return this.buckets('programsBySector'); }
  @Field(() => [Bucket], { description: 'A programme preparing for several destinations counts in each.' }) programsByDestination() { return this.buckets('programsByDestination'); }
  @Field(() => [Bucket]) participantsByStatus() { return this.buckets('participantsByStatus'); }
  @Field(() => [Bucket]) participantsBySector() { return this.buckets('participantsBySector'); }
  @Field(() => [Bucket]) participantsByDestination() { return this.buckets('participantsByDestination'); }
  @Field(() => [Bucket], { description: 'Participants currently in training, by the ministry running the programme.' }) participantsInTrainingByMinistry() { return this.buckets('participantsInTrainingByMinistry'); }
  @Field(() => [Bucket]) traineesByOriginProvince() { return this.buckets('traineesByOriginProvince'); }
  @Field(() => [Bucket]) traineesBySex() { return this.buckets('traineesBySex'); }
  @Field(() => [Bucket]) traineesByStatus() { return this.buckets('traineesByStatus'); }
  @Field(() => [Bucket]) returneeBusinessesByProvince() { return this.buckets('returneeBusinessesByProvince'); }
  @Field(() => [Bucket], { description: 'By KBLI division (first two digits).' }) returneeBusinessesBySector() { return this.buckets('returneeBusinessesBySector'); }
  @Field(() => [Bucket]) returneeBusinessesByFinancing() { return this.buckets('returneeBusinessesByFinancing'); }
}

const MINISTRY_KEYED = new Set(['institutionsByMinistry', 'participantsInTrainingByMinistry']);
const PROVINCE_KEYED = new Set(['institutionsByProvince', 'traineesByOriginProvince', 'returneeBusinessesByProvince']);
const COUNTRY_KEYED = new Set(['programsByDestination', 'participantsByDestination']);

@Resolver(() => Statistics)
export class StatisticsResolver {
  @Query(() => Statistics, { description: 'The programme in figures over your scope: auditors see everything, ministry staff their own data and what MoUs share with them.' })
  statistics(@Ctx() ctx: Context): Statistics {
    const loader = new DataLoader<string, unknown>(async (kinds) => {
      const [row] = await ctx.em.execute<{ s: Record<string, unknown> }[]>('select sinergi_statistics(?::text[]) as s', [`{${kinds.join(',')}}`]);
      return kinds.map((k) => row.s[k] ?? []);
    });
    const label = async (kind: string, key: string): Promise<string> => {
      if (MINISTRY_KEYED.has(kind)) {
        const m = await ctx.loaders.byId(Ministry).load(key);
        return m ? `${m.code} — ${m.nameEn}` : key;
      }
      if (PROVINCE_KEYED.has(kind)) return PROVINCES[key] ?? key;
      if (COUNTRY_KEYED.has(kind)) return (await destinationCountries(ctx)).get(key)?.nameEn ?? key;
      if (kind === 'returneeBusinessesBySector') return KBLI[key] ?? `KBLI ${key}`;
      if (key === 'true' || key === 'false') return key === 'true' ? 'Yes' : 'No';
      return humanize(key);
    };
    return new Statistics((kind) => loader.load(kind), label);
  }
}

/** Every breakdown the database offers has a field here (a test checks). */
/**
 * The breakdowns `sinergi_statistics` computes (see its migration). Listed here rather than imported:
 * an applied migration never changes, and the API must not change with it by accident. A test checks
 * that both lists agree.
 */
export const BREAKDOWN_NAMES = [
  'institutionsByMinistry', 'institutionsByType', 'institutionsByProvince', 'institutionsBySector', 'institutionsByLinkAndMatch', 'institutionsByPmiPreparation',
  'programsByStatus', 'programsBySector', 'programsByDestination',
  'participantsByStatus', 'participantsBySector', 'participantsByDestination', 'participantsInTrainingByMinistry',
  'traineesByOriginProvince', 'traineesBySex', 'traineesByStatus',
  'returneeBusinessesByProvince', 'returneeBusinessesBySector', 'returneeBusinessesByFinancing',
];
