import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DocatError, RPC, RPC_CONTRACTS, type DryRun } from '@docat/contracts';
import { parseOrThrow, STORAGE, type ObjectStorage } from '@docat/service-kit';
import { BillingService } from './billing.service.js';

/** `jobs.estimate`: the dry run of an upload. The upload is the gateway's to delete afterwards. */
@Controller()
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
  ) {}

  @MessagePattern(RPC.JOBS_ESTIMATE)
  async estimate(@Payload() data: unknown): Promise<DryRun> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_ESTIMATE].request, data);
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
