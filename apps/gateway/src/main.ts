import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { SERVICES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { GatewayModule } from './gateway.module.js';
import { gatewayHttpOptions } from './gateway.http.js';
import { GATEWAY_EVENTS } from './auth/revocation-events.controller.js';

// Every mark-compact in one pause: under a poll load, a gateway whose old space was marked
// incrementally can fall into a mode where each young collection promotes the request
// objects of the moment, costing a third more CPU per request for the rest of its life
// (ADR 0028, "the cluster gateway's slow runs"). Set before the first request; Node takes
// this flag on its command line only, and the gateway is started by many launchers.
setFlagsFromString('--no-incremental-marking');

await runService((config) => ({
  service: SERVICES.GATEWAY,
  module: GatewayModule.register(),
  http: gatewayHttpOptions(config),
  // The gateway answers no RPC; it listens only for auth's revocation broadcasts.
  claims: { patterns: GATEWAY_EVENTS },
}));
