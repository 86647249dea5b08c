import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RPC } from '@docat/contracts';
import { AccessTokenGuard } from '../auth/access-token.guard.js';
import { sendProblem } from '../http/problem.filter.js';
import { RateLimits } from '../rate-limit/rate-limit.interceptor.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';
import { JobStatusCache, type JobStatus } from './job-status.cache.js';
import { jobIdParam } from './jobs.query.js';

/** The status poll's path, as Fastify routes it. */
export const JOB_STATUS_ROUTE = '/v1/jobs/:id';

/**
 * Routes the gateway registers on Fastify directly, outside Nest's controllers (whose
 * routes tools read from decorator metadata): the route tables of tests include these.
 */
export const PLAIN_ROUTES: readonly { method: 'GET'; path: string }[] = [
  { method: 'GET', path: JOB_STATUS_ROUTE },
];

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
    const answer = (reply: FastifyReply, status: JobStatus) =>
      reply.header('content-type', 'application/json; charset=utf-8').send(status.json);
    // Every step as a Nest route would take it, awaited: the path of a first poll, an
    // API key, a limit the shared limiter decides, a status not kept.
    const slow = async (request: FastifyRequest, reply: FastifyReply, counted = false) => {
      try {
        const user = request.user ?? (await this.guard.authenticate(request));
        request.user = user;
        if (!counted) await this.limits.admit(request, reply, policies);
        const jobId = jobIdParam((request.params as { id: string }).id);
        const status = await this.statuses.get(user.id, jobId, () =>
          this.services.call(RPC.JOBS_GET, { userId: user.id, jobId }, envelopeContextOf(request)),
        );
        return answer(reply, status);
      } catch (error) {
        sendProblem(error, request, reply, this.logger);
        return reply;
      }
    };
    instance.get(JOB_STATUS_ROUTE, (request: FastifyRequest, reply: FastifyReply) => {
      // A poll whose token was verified before, whose limit is decided in memory and whose
      // job's status is kept is answered without waiting for anything (no promise, no
      // microtask): the same checks, in the same order, as the slow path.
      try {
        const user = this.guard.authenticateNow(request);
        if (user === undefined) return slow(request, reply);
        request.user = user;
        if (!this.limits.admitGeneralNow(request, reply)) return slow(request, reply);
        const status = this.statuses.peek(user.id, (request.params as { id: string }).id);
        if (status === undefined) return slow(request, reply, true);
        answer(reply, status);
        return undefined;
      } catch (error) {
        sendProblem(error, request, reply, this.logger);
        return undefined;
      }
    });
  }
}
