import { z } from 'zod';

/** What a webhook can be told about. An endpoint subscribes to some or all of them. */
export const WEBHOOK_EVENT_TYPES = ['job.completed', 'job.failed', 'job.cancelled'] as const;
export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

const webhookUrl = z.url({ protocol: /^https?$/ }).max(2048);

/** An account endpoint as listed; its secret is shown once, at creation. */
export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(webhookEventTypeSchema),
  description: z.string().optional(),
  createdAt: z.iso.datetime(),
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

export const createdWebhookEndpointSchema = webhookEndpointSchema.extend({ secret: z.string() });
export type CreatedWebhookEndpoint = z.infer<typeof createdWebhookEndpointSchema>;

/** `POST /v1/webhooks` body. No `events` means all of them. */
export const createWebhookEndpointSchema = z.object({
  url: webhookUrl,
  events: z.array(webhookEventTypeSchema).min(1).optional(),
  description: z.string().max(200).optional(),
});

export const WEBHOOK_DELIVERY_STATES = [
  'pending',
  'retrying',
  'delivered',
  'failed',
  'dead',
] as const;

/** One delivery of one event to one URL, with the outcome of its last attempt. */
export const webhookDeliverySchema = z.object({
  id: z.string(),
  endpointId: z.string().nullable(),
  jobId: z.string(),
  event: webhookEventTypeSchema,
  url: z.string(),
  state: z.enum(WEBHOOK_DELIVERY_STATES),
  attempts: z.number().int().nonnegative(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

/**
 * The JSON body POSTed to a webhook. Links are paths under the API's base URL.
 * Deliveries are at least once: `id` is the same on every retry and redelivery.
 */
export const webhookPayloadSchema = z.object({
  id: z.string(),
  type: webhookEventTypeSchema,
  createdAt: z.iso.datetime(),
  data: z.object({
    jobId: z.string(),
    state: z.enum(['completed', 'failed', 'cancelled']),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    links: z.object({ job: z.string(), events: z.string(), result: z.string().optional() }),
  }),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

const userRef = z.object({ userId: z.string() });
const endpointRef = userRef.extend({ endpointId: z.string().max(64) });

export const webhookRpcSchemas = {
  /** `plan`: the account's plan, which sets how many endpoints it may have (WEBHOOK_MAX_ENDPOINTS). */
  create: {
    request: userRef
      .extend(createWebhookEndpointSchema.shape)
      .extend({ plan: z.string().max(64).optional() }),
    response: createdWebhookEndpointSchema,
  },
  list: { request: userRef, response: z.object({ items: z.array(webhookEndpointSchema) }) },
  delete: { request: endpointRef, response: z.object({ ok: z.literal(true) }) },
  deliveries: {
    request: endpointRef.extend({ limit: z.number().int().min(1).max(100).default(50) }),
    response: z.object({ items: z.array(webhookDeliverySchema) }),
  },
  redeliver: {
    request: endpointRef.extend({ deliveryId: z.string().max(64) }),
    response: webhookDeliverySchema,
  },
  jobWebhook: {
    request: userRef.extend({ jobId: z.string().max(64), url: webhookUrl }),
    response: z.object({ ok: z.literal(true) }),
  },
  signingSecret: { request: userRef, response: z.object({ secret: z.string() }) },
} as const;
