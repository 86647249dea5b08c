import 'reflect-metadata';
import { SERVICES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { GatewayModule } from './gateway.module.js';
import { gatewayHttpOptions } from './gateway.http.js';

await runService((config) => ({
  service: SERVICES.GATEWAY,
  module: GatewayModule.register(),
  http: gatewayHttpOptions(config),
  // The gateway answers no RPC; it only calls.
  transport: false,
}));
