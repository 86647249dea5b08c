import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { queryRows } from '@docat/database';
import { watchActiveUsers } from '@docat/observability';
import { INGESTION_DB } from '../ingestion.tokens.js';

/**
 * Feeds `docat_active_users{period="day"}`: distinct users with a job created since
 * midnight UTC, counted in the jobs table (only today's partition is read) at most once
 * every 15 s (a scrape interval), when Prometheus scrapes.
 */
@Injectable()
export class ActiveUsersMetric implements OnModuleInit, OnModuleDestroy {
  private unwatch: (() => void) | undefined;

  constructor(@Inject(INGESTION_DB) private readonly db: DataSource) {}

  onModuleInit(): void {
    this.unwatch = watchActiveUsers(async () => {
      const rows = await queryRows(
        this.db,
        'ingestion.jobs',
        z.object({ n: z.number() }),
        `SELECT count(DISTINCT user_id)::int AS n FROM ingestion.jobs WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
      );
      return rows[0]?.n ?? 0;
    });
  }

  onModuleDestroy(): void {
    this.unwatch?.();
  }
}
