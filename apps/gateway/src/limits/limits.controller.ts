import { Controller, Get, Inject } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import type { UploadLimits } from '@docat/contracts';
import { CONFIG } from '@docat/service-kit';
import { Public } from '../auth/public.decorator.js';

/**
 * `GET /v1/limits`, public: the largest file and page count this deployment accepts per
 * upload (MAX_UPLOAD_BYTES, MAX_PAGES), so a client says the real limits before sending.
 */
@Controller('v1')
@Public()
export class LimitsController {
  constructor(@Inject(CONFIG) private readonly config: DocatConfig) {}

  @Get('limits')
  limits(): UploadLimits {
    return {
      maxUploadBytes: this.config.limits.maxUploadBytes,
      maxPages: this.config.limits.maxPages,
    };
  }
}
