import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { DocatConfig } from '@docat/config';
import { RPC, type Jwks } from '@docat/contracts';
import { CONFIG } from '@docat/service-kit';
import { ApiKeysController } from './account/api-keys.controller.js';
import { SessionsController } from './account/sessions.controller.js';
import { AdminQueuesController } from './admin/queues.controller.js';
import { AdminUsersController } from './admin/users.controller.js';
import { AccessTokenGuard, AdminGuard } from './auth/access-token.guard.js';
import { AccessTokenVerifier } from './auth/access-token.verifier.js';
import { ApiKeyVerifier } from './auth/api-key.verifier.js';
import { AuthController } from './auth/auth.controller.js';
import { BrowserSessionCookies } from './auth/browser-session.js';
import { DenyListLoader } from './auth/deny-list.loader.js';
import { JwksCache } from './auth/jwks.cache.js';
import { RevocationEventsController } from './auth/revocation-events.controller.js';
import { TokenDenyList } from './auth/token-deny-list.js';
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
import { JobStatusCache } from './jobs/job-status.cache.js';
import { JobStatusRoute } from './jobs/job-status.route.js';
import { ResultsService } from './jobs/results.service.js';
import { LimitsController } from './limits/limits.controller.js';
import { HealthController } from './health/health.controller.js';
import { GatewayHealth } from './health/health.service.js';
import { AccountDataService } from './me/account-data.service.js';
import { MeController } from './me/me.controller.js';
import { UsageController } from './usage/usage.controller.js';
import { ServicesClient } from './rpc/services.client.js';
import {
  RATE_LIMIT_SETTINGS,
  RateLimitInterceptor,
  RateLimits,
} from './rate-limit/rate-limit.interceptor.js';

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
      controllers: [
        AuthController,
        DocumentsController,
        JobsController,
        JobEventsController,
        WebhooksController,
        HealthController,
        EnginesController,
        LimitsController,
        GlossariesController,
        TranslationMemoryController,
        DocsController,
        UsageController,
        MeController,
        SessionsController,
        ApiKeysController,
        AdminUsersController,
        AdminQueuesController,
        RevocationEventsController,
      ],
      providers: [
        {
          provide: GATEWAY_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): GatewaySettings => ({
            maxUploadBytes: config.limits.maxUploadBytes,
            corsOrigins: config.http.corsOrigins,
            sseHeartbeatMs: config.http.sseHeartbeatMs,
            sseMaxStreamsPerAccount: config.http.sseMaxStreamsPerAccount,
            sseMaxStreamsPerProcess: config.http.sseMaxStreamsPerProcess,
            webhookAllowedHosts: config.webhooks.allowedHosts,
            refreshTtlSeconds: config.accounts.refreshTtlSeconds,
          }),
        },
        ServicesClient,
        GatewayHealth,
        {
          provide: BrowserSessionCookies,
          inject: [GATEWAY_SETTINGS],
          useFactory: (settings: GatewaySettings) =>
            new BrowserSessionCookies(settings.refreshTtlSeconds),
        },
        {
          provide: JwksCache,
          inject: [ServicesClient],
          useFactory: (services: ServicesClient) =>
            new JwksCache((): Promise<Jwks> => services.call(RPC.AUTH_JWKS, {}, {})),
        },
        {
          provide: TokenDenyList,
          inject: [CONFIG],
          useFactory: (config: DocatConfig) => new TokenDenyList(config.accounts.accessTtlSeconds),
        },
        {
          provide: DenyListLoader,
          inject: [ServicesClient, TokenDenyList, CONFIG],
          useFactory: (services: ServicesClient, denyList: TokenDenyList, config: DocatConfig) =>
            new DenyListLoader(services, denyList, config.accounts.accessTtlSeconds),
        },
        {
          provide: AccessTokenVerifier,
          inject: [JwksCache, TokenDenyList],
          useFactory: (jwks: JwksCache, denyList: TokenDenyList) =>
            new AccessTokenVerifier(jwks, denyList),
        },
        {
          provide: ApiKeyVerifier,
          inject: [ServicesClient],
          useFactory: (services: ServicesClient) =>
            new ApiKeyVerifier((key) => services.call(RPC.AUTH_VERIFY_API_KEY, { key }, {}, 5_000)),
        },
        AccessTokenGuard,
        { provide: APP_GUARD, useExisting: AccessTokenGuard },
        AdminGuard,
        {
          provide: RATE_LIMIT_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig) => config.rateLimits,
        },
        RateLimits,
        { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor },
        DocumentsService,
        ResultsService,
        { provide: JobStatusCache, useFactory: () => new JobStatusCache() },
        JobStatusRoute,
        JobEventStreams,
        AccountDataService,
      ],
    };
  }
}
