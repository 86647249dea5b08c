import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RUNTIME, type Runtime } from '@docat/service-kit';

/** The aggregate health of the source design (no token needed). Languages and engines: `EnginesController`. */
@Controller()
export class MetaController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** The gateway's own dependencies for now; other services report on their management ports. */
  @Get('health')
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: 'ok' | 'degraded'; checks: Record<string, string>; timestamp: string }> {
    const report = await this.runtime.readiness();
    void reply.status(report.ready ? 200 : 503).header('cache-control', 'no-store');
    return { status: report.ready ? 'ok' : 'degraded', checks: report.checks, timestamp: new Date().toISOString() };
  }
}
