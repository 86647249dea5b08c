import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RPC, type JobList, type JobView, type ResultLocation } from '@docat/contracts';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
import { JobsService } from './jobs.service.js';
import { JobDeletionService } from './job-deletion.service.js';

@Controller()
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly deletion: JobDeletionService,
  ) {}

  @RpcHandler(RPC.JOBS_CREATE)
  create(@Payload() req: RpcPayload<typeof RPC.JOBS_CREATE>): Promise<JobView> {
    return this.jobs.create(req);
  }

  @RpcHandler(RPC.JOBS_GET)
  get(@Payload() req: RpcPayload<typeof RPC.JOBS_GET>): Promise<JobView> {
    return this.jobs.get(req.userId, req.jobId);
  }

  @RpcHandler(RPC.JOBS_LIST)
  list(@Payload() req: RpcPayload<typeof RPC.JOBS_LIST>): Promise<JobList> {
    return this.jobs.list(req.userId, req.limit, req.cursor, {
      ...(req.state ? { state: req.state } : {}),
      ...(req.q ? { q: req.q } : {}),
    });
  }

  @RpcHandler(RPC.JOBS_SOURCE)
  source(@Payload() req: RpcPayload<typeof RPC.JOBS_SOURCE>): Promise<ResultLocation> {
    return this.jobs.source(req.userId, req.jobId);
  }

  @RpcHandler(RPC.JOBS_REPORT)
  report(@Payload() req: RpcPayload<typeof RPC.JOBS_REPORT>): Promise<ResultLocation> {
    return this.jobs.report(req.userId, req.jobId);
  }

  @RpcHandler(RPC.JOBS_CANCEL)
  cancel(@Payload() req: RpcPayload<typeof RPC.JOBS_CANCEL>): Promise<JobView> {
    return this.jobs.cancel(req.userId, req.jobId);
  }

  @RpcHandler(RPC.JOBS_RESULT)
  result(@Payload() req: RpcPayload<typeof RPC.JOBS_RESULT>): Promise<ResultLocation> {
    return this.jobs.result(req.userId, req.jobId, req.format);
  }

  @RpcHandler(RPC.JOBS_DELETE)
  delete(
    @Payload() req: RpcPayload<typeof RPC.JOBS_DELETE>,
  ): Promise<{ id: string; objects: number }> {
    return this.deletion.delete(req.userId, req.jobId);
  }
}
