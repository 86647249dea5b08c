import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiDocument } from '../docs/openapi.js';

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        responses: Record<
          string,
          { content?: Record<string, { schema: Record<string, unknown> }> }
        >;
        parameters: { name: string; in: string }[];
      }
    >
  >;
  webhooks: Record<
    string,
    {
      post: {
        parameters: { name: string; in: string }[];
        requestBody: { content: Record<string, { schema: { $ref: string } }> };
      };
    }
  >;
  components: { schemas: Record<string, unknown> };
};

describe('OpenAPI: job events and webhooks', () => {
  const doc = buildOpenApiDocument('test') as unknown as Doc;

  test('GET /v1/jobs/{id}/events is a text/event-stream of JobEvent, resumable with Last-Event-ID', () => {
    const op = doc.paths['/v1/jobs/{id}/events']?.get;
    assert.ok(op, 'the SSE route is documented');
    const stream = op.responses['200']?.content?.['text/event-stream']?.schema;
    assert.deepEqual(stream?.contentSchema, { $ref: '#/components/schemas/JobEvent' });
    assert.ok(op.parameters.some((p) => p.name === 'Last-Event-ID' && p.in === 'header'));
    assert.ok(op.parameters.some((p) => p.name === 'lastEventId' && p.in === 'query'));
    assert.ok(op.responses['404'] && op.responses['401']);
    const jobEvent = JSON.stringify(doc.components.schemas.JobEvent);
    for (const field of ['seq', 'progress', 'etaSeconds', 'segments'])
      assert.ok(jobEvent.includes(field), field);
  });

  test('the webhook routes, and the payload with its signature headers', () => {
    for (const [path, method] of [
      ['/v1/webhooks', 'post'],
      ['/v1/webhooks', 'get'],
      ['/v1/webhooks/signing-secret', 'post'],
      ['/v1/webhooks/{id}', 'delete'],
      ['/v1/webhooks/{id}/deliveries', 'get'],
      ['/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', 'post'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
    }
    assert.ok(doc.paths['/v1/webhooks']!.post!.responses['422'], 'WEBHOOK_URL_FORBIDDEN');
    const hook = doc.webhooks.jobEnded?.post;
    assert.ok(hook);
    assert.deepEqual(
      hook.parameters.map((p) => `${p.in}:${p.name}`),
      ['header:Docat-Timestamp', 'header:Docat-Signature'],
    );
    assert.equal(
      hook.requestBody.content['application/json']?.schema.$ref,
      '#/components/schemas/WebhookPayload',
    );
    // Every $ref points at a schema that exists.
    for (const name of JSON.stringify(doc).matchAll(/#\/components\/schemas\/(\w+)/g))
      assert.ok(doc.components.schemas[name[1]!], name[1]);
  });
});
