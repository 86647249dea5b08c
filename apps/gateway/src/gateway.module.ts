import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { RPC, type Jwks } from '@docat/contracts';
import { CONFIG } from '@docat/service-kit';
import { AccessTokenGuard } from './auth/access-token.guard.js';
import { AccessTokenVerifier } from './auth/access-token.verifier.js';
import { AuthController } from './auth/auth.controller.js';
import { JwksCache } from './auth/jwks.cache.js';
import { DocsController } from './docs/docs.controller.js';
import { EnginesController } from './engines/engines.controller.js';
import { GlossariesController } from './glossaries/glossaries.controller.js';
import { TranslationMemoryController } from './glossaries/translation-memory.controller.js';
import { DocumentsController } from './documents/documents.controller.js';
import { DocumentsService } from './documents/documents.service.js';
import { JobEventStreams } from './events/job-event-streams.service.js';
import { JobEventsController } from './events/job-events.controller.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { GATEWAY_SETTINGS, type GatewaySettings } from './gateway.settings.js';
import { JobsController } from './jobs/jobs.controller.js';
import { ResultsService } from './jobs/results.service.js';
import { MetaController } from './meta/meta.controller.js';
import { ServicesClient } from './rpc/services.client.js';

/**
 * The public HTTP API. It holds no data of its own: it checks tokens locally with
 * auth's published keys, streams uploads and results between clients and object
 * storage, and asks the owning service for everything else over RPC.
 */
@Module({})
export class GatewayModule {
  static register(): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [AuthController, DocumentsController, JobsController, JobEventsController, WebhooksController, MetaController, EnginesController, GlossariesController, TranslationMemoryController, DocsController],
      providers: [
        {
          provide: GATEWAY_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): GatewaySettings => ({
            maxUploadBytes: config.limits.maxUploadBytes,
            corsOrigins: config.http.corsOrigins,
            sseHeartbeatMs: config.http.sseHeartbeatMs,
            webhookAllowedHosts: config.webhooks.allowedHosts,
          }),
        },
        ServicesClient,
        {
          provide: JwksCache,
          inject: [ServicesClient],
          useFactory: (services: ServicesClient) =>
            new JwksCache((): Promise<Jwks> => services.call(RPC.AUTH_JWKS, {}, {})),
        },
        { provide: AccessTokenVerifier, inject: [JwksCache], useFactory: (jwks: JwksCache) => new AccessTokenVerifier(jwks) },
        AccessTokenGuard,
        DocumentsService,
        ResultsService,
        JobEventStreams,
      ],
    };
  }
}
