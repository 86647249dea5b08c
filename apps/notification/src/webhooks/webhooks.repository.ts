import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { parseRows, queryRows } from '@docat/database';
import {
  uuidv7,
  WEBHOOK_EVENT_TYPES,
  webhookDeliverySchema,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
} from '@docat/contracts';
import { NOTIFICATION_DB } from './webhooks.settings.js';

/** A row of `notification.webhook_endpoints`, parsed on read. */
const endpointRowSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  description: z.string().nullable(),
  secret_enc: z.string(),
  created_at: z.date(),
  deleted_at: z.date().nullable(),
});
type EndpointRow = z.output<typeof endpointRowSchema>;

/** A row of `notification.webhook_deliveries`, parsed on read. */
const deliveryRowSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  endpoint_id: z.string().nullable(),
  target: z.string(),
  job_id: z.string(),
  event: z.enum(WEBHOOK_EVENT_TYPES),
  url: z.string(),
  body: z.string(),
  state: webhookDeliverySchema.shape.state,
  attempts: z.number(),
  redeliveries: z.number(),
  last_status: z.number().nullable(),
  last_error: z.string().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type DeliveryRow = z.output<typeof deliveryRowSchema>;

/** The target of a per-job webhook (the other targets are endpoint ids). */
export const JOB_TARGET = 'job';

export function endpointView(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    ...(row.description ? { description: row.description } : {}),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function deliveryView(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    jobId: row.job_id,
    event: row.event,
    url: row.url,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** The notification schema's webhook tables. */
@Injectable()
export class WebhooksRepository {
  constructor(@Inject(NOTIFICATION_DB) private readonly db: DataSource) {}

  /** Rows of a statement on the webhook tables, each parsed with `schema`. */
  private query<S extends z.ZodType>(
    schema: S,
    sql: string,
    params: unknown[] = [],
  ): Promise<z.output<S>[]> {
    return queryRows(this.db, 'notification webhooks', schema, sql, params);
  }

  /**
   * Inserts the endpoint unless the account already has `maxActive` (answers undefined
   * then). The count and the insert run under a lock on the account, so concurrent
   * creations cannot both take the last place.
   */
  async createEndpoint(input: {
    id: string;
    userId: string;
    url: string;
    events: readonly string[];
    description?: string;
    secretEnc: string;
    maxActive: number;
  }): Promise<EndpointRow | undefined> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `SELECT pg_advisory_xact_lock(hashtext('notification.webhook_endpoints:' || $1))`,
        [input.userId],
      );
      const rows = parseRows(
        'notification.webhook_endpoints',
        endpointRowSchema,
        await tx.query(
          `INSERT INTO "notification"."webhook_endpoints" ("id", "user_id", "url", "events", "description", "secret_enc")
         SELECT $1, $2, $3, $4, $5, $6
          WHERE (SELECT count(*) FROM "notification"."webhook_endpoints" WHERE "user_id" = $2 AND "deleted_at" IS NULL) < $7
         RETURNING *`,
          [
            input.id,
            input.userId,
            input.url,
            input.events,
            input.description ?? null,
            input.secretEnc,
            input.maxActive,
          ],
        ),
      );
      return rows[0];
    });
  }

  listEndpoints(userId: string): Promise<EndpointRow[]> {
    return this.query(
      endpointRowSchema,
      `SELECT * FROM "notification"."webhook_endpoints" WHERE "user_id" = $1 AND "deleted_at" IS NULL ORDER BY "created_at", "id"`,
      [userId],
    );
  }

  async endpoint(userId: string, endpointId: string): Promise<EndpointRow | undefined> {
    const [row] = await this.query(
      endpointRowSchema,
      `SELECT * FROM "notification"."webhook_endpoints" WHERE "id"::text = $1 AND "user_id" = $2 AND "deleted_at" IS NULL`,
      [endpointId, userId],
    );
    return row;
  }

  async endpointById(endpointId: string): Promise<EndpointRow | undefined> {
    const [row] = await this.query(
      endpointRowSchema,
      `SELECT * FROM "notification"."webhook_endpoints" WHERE "id" = $1`,
      [endpointId],
    );
    return row;
  }

  /** Soft delete: the delivery log stays readable until retention removes it. */
  async deleteEndpoint(userId: string, endpointId: string): Promise<boolean> {
    const rows = await this.query(
      z.object({ id: z.string() }),
      `UPDATE "notification"."webhook_endpoints" SET "deleted_at" = now() WHERE "id"::text = $1 AND "user_id" = $2 AND "deleted_at" IS NULL RETURNING "id"`,
      [endpointId, userId],
    );
    return rows.length > 0;
  }

  subscribedEndpoints(userId: string, event: WebhookEventType): Promise<EndpointRow[]> {
    return this.query(
      endpointRowSchema,
      `SELECT * FROM "notification"."webhook_endpoints" WHERE "user_id" = $1 AND "deleted_at" IS NULL AND $2 = ANY("events")`,
      [userId, event],
    );
  }

  async signingSecret(userId: string): Promise<string | undefined> {
    const [row] = await this.query(
      z.object({ secret_enc: z.string() }),
      `SELECT "secret_enc" FROM "notification"."signing_secrets" WHERE "user_id" = $1`,
      [userId],
    );
    return row?.secret_enc;
  }

  /** Keeps an existing secret unless `replace`. Answers the stored blob. */
  async putSigningSecret(userId: string, secretEnc: string, replace: boolean): Promise<string> {
    const [row] = await this.query(
      z.object({ secret_enc: z.string() }),
      `INSERT INTO "notification"."signing_secrets" ("user_id", "secret_enc") VALUES ($1, $2)
       ON CONFLICT ("user_id") DO UPDATE SET
         "secret_enc" = CASE WHEN $3 THEN EXCLUDED."secret_enc" ELSE "signing_secrets"."secret_enc" END,
         "updated_at" = CASE WHEN $3 THEN now() ELSE "signing_secrets"."updated_at" END
       RETURNING "secret_enc"`,
      [userId, secretEnc, replace],
    );
    return row!.secret_enc;
  }

  async putJobWebhook(jobId: string, userId: string, url: string): Promise<void> {
    await this.db.query(
      `INSERT INTO "notification"."job_webhooks" ("job_id", "user_id", "url") VALUES ($1, $2, $3)
       ON CONFLICT ("job_id") DO NOTHING`,
      [jobId, userId, url],
    );
  }

  async jobWebhook(jobId: string): Promise<{ user_id: string; url: string } | undefined> {
    const [row] = await this.query(
      z.object({ user_id: z.string(), url: z.string() }),
      `SELECT "user_id", "url" FROM "notification"."job_webhooks" WHERE "job_id" = $1`,
      [jobId],
    );
    return row;
  }

  /** The delivery of (job, event, target), created if new; an existing one is answered as is. */
  async upsertDelivery(input: {
    userId: string;
    endpointId: string | null;
    jobId: string;
    event: string;
    url: string;
    body: (id: string) => string;
  }): Promise<DeliveryRow> {
    const id = uuidv7();
    const target = input.endpointId ?? JOB_TARGET;
    const inserted = await this.query(
      deliveryRowSchema,
      `INSERT INTO "notification"."webhook_deliveries" ("id", "user_id", "endpoint_id", "target", "job_id", "event", "url", "body", "state")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')
       ON CONFLICT ("job_id", "event", "target") DO NOTHING RETURNING *`,
      [
        id,
        input.userId,
        input.endpointId,
        target,
        input.jobId,
        input.event,
        input.url,
        input.body(id),
      ],
    );
    if (inserted[0]) return inserted[0];
    const [existing] = await this.query(
      deliveryRowSchema,
      `SELECT * FROM "notification"."webhook_deliveries" WHERE "job_id" = $1 AND "event" = $2 AND "target" = $3`,
      [input.jobId, input.event, target],
    );
    return existing!;
  }

  async delivery(id: string): Promise<DeliveryRow | undefined> {
    const [row] = await this.query(
      deliveryRowSchema,
      `SELECT * FROM "notification"."webhook_deliveries" WHERE "id"::text = $1`,
      [id],
    );
    return row;
  }

  deliveriesOf(endpointId: string, limit: number): Promise<DeliveryRow[]> {
    return this.query(
      deliveryRowSchema,
      `SELECT * FROM "notification"."webhook_deliveries" WHERE "endpoint_id" = $1 ORDER BY "created_at" DESC, "id" DESC LIMIT $2`,
      [endpointId, limit],
    );
  }

  async recordAttempt(
    id: string,
    outcome: { state: DeliveryRow['state']; status: number | null; error: string | null },
  ): Promise<void> {
    await this.db.query(
      `UPDATE "notification"."webhook_deliveries"
          SET "state" = $2, "attempts" = "attempts" + 1, "last_status" = $3, "last_error" = $4, "updated_at" = now()
        WHERE "id" = $1`,
      [id, outcome.state, outcome.status, outcome.error],
    );
  }

  /** Back to pending for a manual redelivery; answers the new redelivery count. */
  async reopen(id: string): Promise<DeliveryRow> {
    const [row] = await this.query(
      deliveryRowSchema,
      `UPDATE "notification"."webhook_deliveries" SET "state" = 'pending', "redeliveries" = "redeliveries" + 1, "updated_at" = now()
        WHERE "id" = $1 RETURNING *`,
      [id],
    );
    return row!;
  }

  /** Every stored secret, for re-encryption under a new key. */
  async allSecrets(): Promise<{ kind: 'endpoint' | 'signing'; key: string; secret_enc: string }[]> {
    return this.query(
      z.object({ kind: z.enum(['endpoint', 'signing']), key: z.string(), secret_enc: z.string() }),
      `SELECT 'endpoint' AS "kind", "id"::text AS "key", "secret_enc" FROM "notification"."webhook_endpoints"
       UNION ALL SELECT 'signing', "user_id", "secret_enc" FROM "notification"."signing_secrets"`,
    );
  }

  async replaceSecret(
    kind: 'endpoint' | 'signing',
    key: string,
    from: string,
    to: string,
  ): Promise<void> {
    const table =
      kind === 'endpoint'
        ? '"notification"."webhook_endpoints"'
        : '"notification"."signing_secrets"';
    const column = kind === 'endpoint' ? '"id"::text' : '"user_id"';
    await this.db.query(
      `UPDATE ${table} SET "secret_enc" = $3 WHERE ${column} = $1 AND "secret_enc" = $2`,
      [key, from, to],
    );
  }
}
