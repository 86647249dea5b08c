import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Runtime } from './runtime.js';
import {
  BUS,
  CACHE,
  CONFIG,
  EVENT_LOG,
  KEYRING,
  QUEUE,
  RATE_LIMITER,
  RUNTIME,
  STORAGE,
} from './tokens.js';
import { KeyringSource } from './keyring.js';

/** The DI providers of a runtime's adapters. */
export function runtimeProviders(runtime: Runtime): Provider[] {
  return [
    { provide: RUNTIME, useValue: runtime },
    { provide: CONFIG, useValue: runtime.config },
    { provide: BUS, useValue: runtime.bus },
    { provide: QUEUE, useValue: runtime.queue },
    { provide: STORAGE, useValue: runtime.storage },
    { provide: CACHE, useValue: runtime.cache },
    { provide: RATE_LIMITER, useValue: runtime.rateLimiter },
    { provide: EVENT_LOG, useValue: runtime.eventLog },
    { provide: KEYRING, useValue: new KeyringSource(runtime.config) },
  ];
}

/** Makes the runtime's tokens injectable everywhere in the application (one runtime per process). */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(runtime: Runtime): DynamicModule {
    const providers = runtimeProviders(runtime);
    return {
      module: RuntimeModule,
      providers,
      exports: providers.map((p) => (p as { provide: symbol }).provide),
    };
  }
}
