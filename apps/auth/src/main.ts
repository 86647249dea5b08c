import 'reflect-metadata';
import { SERVICES } from '@docat/contracts';
import { runService } from '@docat/service-kit';
import { AUTH_PATTERNS, AuthModule } from './auth.module.js';

await runService({
  service: SERVICES.AUTH,
  module: AuthModule.register(),
  claims: { patterns: AUTH_PATTERNS },
});
