import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GatewayHealth, type HealthReport } from './health.service.js';
import { Public } from '../auth/public.decorator.js';

/** `GET /health`: the aggregate health of the platform, public, 503 when unhealthy. */
@Controller()
@Public()
export class HealthController {
  constructor(private readonly health: GatewayHealth) {}

  @Get('health')
  async get(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await this.health.report();
    void reply.status(report.status === 'ok' ? 200 : 503).header('cache-control', 'no-store');
    return report;
  }
}
