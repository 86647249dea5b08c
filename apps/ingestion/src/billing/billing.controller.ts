import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DocatError, RPC, type DryRun } from '@docat/contracts';
import { STORAGE, type ObjectStorage, RpcHandler, type RpcPayload } from '@docat/service-kit';
import { BillingService } from './billing.service.js';

/** `jobs.estimate`: the dry run of an upload. The upload is the gateway's to delete afterwards. */
@Controller()
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
  ) {}

  @RpcHandler(RPC.JOBS_ESTIMATE)
  async estimate(@Payload() req: RpcPayload<typeof RPC.JOBS_ESTIMATE>): Promise<DryRun> {
    if (!(await this.storage.head(req.upload.storageKey)))
      throw new DocatError('VALIDATION_FAILED', 'the upload does not exist');
    return this.billing.dryRun(
      req.userId,
      req.upload.storageKey,
      req.options,
      req.engine,
      req.passwordSecret,
    );
  }
}
