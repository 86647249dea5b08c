import { Module, type DynamicModule } from '@nestjs/common';
import { resolveEncryptionKey, type DocatConfig } from '@docat/config';
import { CONFIG, RUNTIME, type Runtime } from '@docat/service-kit';
import { AuthController } from './auth/auth.controller.js';
import { AuthService } from './auth/auth.service.js';
import { AUTH_MIGRATIONS } from './auth.migrations.js';
import { AUTH_DATA_SOURCE, AUTH_KEYRING, AUTH_SETTINGS, type AuthSettings } from './auth.tokens.js';
import { SigningKeysRepository } from './keys/signing-keys.repository.js';
import { SigningKeysService } from './keys/signing-keys.service.js';
import { PasswordHasher } from './passwords/password.hasher.js';
import { RefreshTokensRepository } from './sessions/refresh-tokens.repository.js';
import { UsersRepository } from './users/users.repository.js';

/** The patterns auth answers; boot fails if one has no handler. */
export const AUTH_PATTERNS = ['auth.register', 'auth.login', 'auth.refresh', 'auth.logout', 'auth.me', 'auth.jwks'] as const;

/**
 * The auth service: users, sessions (rotating refresh tokens) and the signing keys of
 * access tokens, on its own `auth` schema. It receives every adapter from the runtime,
 * so the same module runs as its own process or inside the standalone one.
 */
@Module({})
export class AuthModule {
  static register(): DynamicModule {
    return {
      module: AuthModule,
      controllers: [AuthController],
      providers: [
        {
          provide: AUTH_DATA_SOURCE,
          inject: [RUNTIME],
          useFactory: (runtime: Runtime) => runtime.dataSourceFor('auth', [], [...AUTH_MIGRATIONS]),
        },
        {
          provide: AUTH_KEYRING,
          inject: [CONFIG],
          useFactory: (config: DocatConfig) => resolveEncryptionKey(config),
        },
        {
          provide: AUTH_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): AuthSettings => ({ ...config.accounts }),
        },
        PasswordHasher,
        UsersRepository,
        RefreshTokensRepository,
        SigningKeysRepository,
        SigningKeysService,
        AuthService,
      ],
    };
  }
}
