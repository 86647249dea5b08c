import { Module } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { RPC } from '@docat/contracts';
import { CONFIG } from '@docat/service-kit';
import type { EngineEnv } from '@docat/translate';
import { ENGINE_ENV, engineEnv } from './engine-env.js';
import { EnginesController } from './engines.controller.js';

/** The RPC patterns the engines module answers. */
export const ENGINES_PATTERNS = [RPC.TRANSLATION_ENGINES, RPC.TRANSLATION_RESOLVE_ENGINE] as const;

/**
 * The engines this deployment has configuration for, and the rule that gives a new job
 * its engine. Part of the translation service (which alone holds engine credentials);
 * gateway tests run it alone beside the gateway.
 */
@Module({
  controllers: [EnginesController],
  providers: [
    {
      provide: ENGINE_ENV,
      inject: [CONFIG],
      useFactory: (config: DocatConfig): EngineEnv => engineEnv(config.translation),
    },
  ],
  exports: [ENGINE_ENV],
})
export class EnginesModule {}
