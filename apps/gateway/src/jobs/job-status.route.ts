import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RPC } from '@docat/contracts';
import { AccessTokenGuard } from '../auth/access-token.guard.js';
import { sendProblem } from '../http/problem.filter.js';
import { RateLimits } from '../rate-limit/rate-limit.interceptor.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';
import { JobStatusCache } from './job-status.cache.js';
import { jobIdParam } from './jobs.query.js';

/** The status poll's path, as Fastify routes it. */
export const JOB_STATUS_ROUTE = '/v1/jobs/:id';

/**
 * Routes the gateway registers on Fastify directly, outside Nest's controllers (whose
 * routes tools read from decorator metadata): the route tables of tests include these.
 */
export const PLAIN_ROUTES: readonly { method: 'GET'; path: string }[] = [{ method: 'GET', path: JOB_STATUS_ROUTE }];

/**
 * `GET /v1/jobs/:id`, the request clients send most, as a plain Fastify route: the same
 * steps as a Nest route of `JobsController` (the access-token guard, the `api_general`
 * rate limit, problem+json errors), without Nest's per-request pipeline (guard and
 * interceptor lookups, Observables, parameter decorators), which cost about a fifth of
 * a poll. Every server-wide hook still runs: request id and security headers, CORS,
 * tracing, metrics and the request log. The answer comes from `JobStatusCache`
 * (at most 1 s old, dropped when the job changes), else from ingestion over RPC.
 */
@Injectable()
export class JobStatusRoute implements OnModuleInit {
  private readonly logger = new Logger('Http');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly guard: AccessTokenGuard,
    private readonly limits: RateLimits,
    private readonly statuses: JobStatusCache,
    private readonly services: ServicesClient,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // Microservice-only contexts (tests of the RPC side) have no HTTP server.
    if (!adapter) return;
    const instance = adapter.getInstance<FastifyInstance>();
    const policies = new Set(['api_general'] as const);
    instance.get(JOB_STATUS_ROUTE, async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const user = await this.guard.authenticate(request);
        request.user = user;
        await this.limits.admit(request, reply, policies);
        const jobId = jobIdParam((request.params as { id: string }).id);
        const status = await this.statuses.get(user.id, jobId, () =>
          this.services.call(RPC.JOBS_GET, { userId: user.id, jobId }, envelopeContextOf(request)),
        );
        return reply.header('content-type', 'application/json; charset=utf-8').send(status.json);
      } catch (error) {
        sendProblem(error, request, reply, this.logger);
        return reply;
      }
    });
  }
}
