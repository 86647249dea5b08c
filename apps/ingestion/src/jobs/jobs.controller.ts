import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  RPC,
  RPC_CONTRACTS,
  type JobList,
  type JobView,
  type ResultLocation,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { JobsService } from './jobs.service.js';
import { JobDeletionService } from './job-deletion.service.js';

@Controller()
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly deletion: JobDeletionService,
  ) {}

  @MessagePattern(RPC.JOBS_CREATE)
  create(@Payload() data: unknown): Promise<JobView> {
    return this.jobs.create(parseOrThrow(RPC_CONTRACTS[RPC.JOBS_CREATE].request, data));
  }

  @MessagePattern(RPC.JOBS_GET)
  get(@Payload() data: unknown): Promise<JobView> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_GET].request, data);
    return this.jobs.get(req.userId, req.jobId);
  }

  @MessagePattern(RPC.JOBS_LIST)
  list(@Payload() data: unknown): Promise<JobList> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_LIST].request, data);
    return this.jobs.list(req.userId, req.limit, req.cursor, {
      ...(req.state ? { state: req.state } : {}),
      ...(req.q ? { q: req.q } : {}),
    });
  }

  @MessagePattern(RPC.JOBS_SOURCE)
  source(@Payload() data: unknown): Promise<ResultLocation> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_SOURCE].request, data);
    return this.jobs.source(req.userId, req.jobId);
  }

  @MessagePattern(RPC.JOBS_REPORT)
  report(@Payload() data: unknown): Promise<ResultLocation> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_REPORT].request, data);
    return this.jobs.report(req.userId, req.jobId);
  }

  @MessagePattern(RPC.JOBS_CANCEL)
  cancel(@Payload() data: unknown): Promise<JobView> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_CANCEL].request, data);
    return this.jobs.cancel(req.userId, req.jobId);
  }

  @MessagePattern(RPC.JOBS_RESULT)
  result(@Payload() data: unknown): Promise<ResultLocation> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_RESULT].request, data);
    return this.jobs.result(req.userId, req.jobId, req.format);
  }

  @MessagePattern(RPC.JOBS_DELETE)
  delete(@Payload() data: unknown): Promise<{ id: string; objects: number }> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_DELETE].request, data);
    return this.deletion.delete(req.userId, req.jobId);
  }
}
