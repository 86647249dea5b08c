import type { JobEvent, WebhookEventType, WebhookPayload } from '@docat/contracts';

/** The webhook event a job event becomes, if any: only a job's end is announced. */
export function webhookEventOf(event: JobEvent): WebhookEventType | undefined {
  switch (event.type) {
    case 'completed':
      return 'job.completed';
    case 'failed':
      return 'job.failed';
    case 'cancelled':
      return 'job.cancelled';
    default:
      return undefined;
  }
}

export function webhookPayload(
  deliveryId: string,
  type: WebhookEventType,
  event: JobEvent,
): WebhookPayload {
  const job = `/v1/jobs/${event.jobId}`;
  return {
    id: deliveryId,
    type,
    createdAt: event.at,
    data: {
      jobId: event.jobId,
      state:
        type === 'job.completed' ? 'completed' : type === 'job.failed' ? 'failed' : 'cancelled',
      ...(event.error ? { error: { code: event.error.code, message: event.error.message } } : {}),
      links: {
        job,
        events: `${job}/events`,
        ...(type === 'job.completed' ? { result: `${job}/result` } : {}),
      },
    },
  };
}
