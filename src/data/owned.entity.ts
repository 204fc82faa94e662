import { Entity, ManyToOne, type Ref } from '@mikro-orm/core';
import { ObjectType } from 'type-graphql';
import { BaseEntity } from './base.entity';
import type { Ministry } from './ministry.entity';

/**
 * A row owned by exactly one ministry. The owner is set from the caller's
 * identity on create and is never part of any input type.
 */
@ObjectType({ simpleResolvers: true })
@Entity({ abstract: true })
export abstract class OwnedEntity extends BaseEntity {
  // Indexed per entity as (owner_ministry_id, id): "first N of one ministry by id" is the hot query.
  @ManyToOne({ entity: 'Ministry', ref: true, deleteRule: 'restrict' })
  ownerMinistry!: Ref<Ministry>;
}
