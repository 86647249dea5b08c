import 'reflect-metadata';
import { SERVICES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { GatewayModule } from './gateway.module.js';
import { gatewayHttpOptions } from './gateway.http.js';
import { GATEWAY_EVENTS } from './auth/revocation-events.controller.js';

await runService((config) => ({
  service: SERVICES.GATEWAY,
  module: GatewayModule.register(),
  http: gatewayHttpOptions(config),
  // The gateway answers no RPC; it listens only for auth's revocation broadcasts.
  claims: { patterns: GATEWAY_EVENTS },
}));
