import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { CONFIG, KEYRING, RUNTIME, KeyringSource, type Runtime } from '@docat/service-kit';
import { AccountController } from './account/account.controller.js';
import { AdminController } from './admin/admin.controller.js';
import { AdminService } from './admin/admin.service.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuthController } from './auth/auth.controller.js';
import { AuthService } from './auth/auth.service.js';
import { AUTH_MIGRATIONS } from './auth.migrations.js';
import {
  AUTH_DATA_SOURCE,
  AUTH_KEYRING,
  AUTH_SETTINGS,
  MAILER,
  SIGNING_KEY_TIMING,
  type AuthSettings,
} from './auth.tokens.js';
import { AuthEventsPublisher } from './events/auth-events.publisher.js';
import { InvitesRepository } from './invites/invites.repository.js';
import { DEFAULT_SIGNING_KEY_TIMING, type SigningKeyTiming } from './keys/signing-keys.service.js';
import { EmailVerificationService } from './mail/email-verification.service.js';
import { MailTokensRepository } from './mail/mail-tokens.repository.js';
import { FileMailer, mailOutboxFile, type Mailer } from './mail/mailer.js';
import { PasswordResetService } from './mail/password-reset.service.js';
import { SmtpMailer } from './mail/smtp.mailer.js';
import { SessionsRepository } from './sessions/sessions.repository.js';
import { SessionsService } from './sessions/sessions.service.js';
import { SigningKeysRepository } from './keys/signing-keys.repository.js';
import { SigningKeysService } from './keys/signing-keys.service.js';
import { PasswordHasher } from './passwords/password.hasher.js';
import { RefreshTokensRepository } from './sessions/refresh-tokens.repository.js';
import { UsersRepository } from './users/users.repository.js';
import {
  CREDITS_CONTROLLERS,
  CREDITS_PATTERNS,
  CREDITS_PROVIDERS,
} from './credits/credits.providers.js';
import { InactiveAccountsController } from './retention/inactive-accounts.controller.js';

/** The patterns auth answers; boot fails if one has no handler. */
export const AUTH_PATTERNS = [
  'auth.register',
  'auth.login',
  'auth.refresh',
  'auth.logout',
  'auth.me',
  'auth.jwks',
  'auth.denied-users',
  'auth.sessions-list',
  'auth.sessions-revoke',
  'auth.sessions-revoke-all',
  'auth.api-keys-create',
  'auth.api-keys-list',
  'auth.api-keys-revoke',
  'auth.verify-api-key',
  'auth.password-reset-request',
  'auth.password-reset-confirm',
  'auth.email-verify',
  'auth.email-verify-resend',
  'auth.admin-users-list',
  'auth.admin-user-set-disabled',
  'auth.admin-user-set-plan',
  'auth.admin-invite-create',
  'auth.inactive-accounts',
  ...CREDITS_PATTERNS,
] as const;

export interface AuthModuleOptions {
  /** Where account emails go; default: SMTP when MAIL_SMTP_URL is set, else a file in the data folder (see `FileMailer`). */
  mailer?: Mailer;
  /** Tests shorten the publish lead of a new signing key. */
  signingKeyTiming?: SigningKeyTiming;
}

/**
 * The auth service: users and roles, sessions (rotating refresh tokens), API keys, mailed
 * single-use links (verification, password reset), invitations and the rotating signing
 * keys of access tokens, on its own `auth` schema. It receives every adapter from the runtime,
 * so the same module runs as its own process or inside the standalone one.
 */
@Module({})
export class AuthModule {
  static register(options: AuthModuleOptions = {}): DynamicModule {
    return {
      module: AuthModule,
      controllers: [
        AuthController,
        AccountController,
        AdminController,
        InactiveAccountsController,
        ...CREDITS_CONTROLLERS,
      ],
      providers: [
        {
          provide: AUTH_DATA_SOURCE,
          inject: [RUNTIME],
          useFactory: (runtime: Runtime) => runtime.dataSourceFor('auth', [], [...AUTH_MIGRATIONS]),
        },
        {
          provide: AUTH_KEYRING,
          inject: [KEYRING],
          useFactory: (keys: KeyringSource) => keys.get(),
        },
        {
          provide: AUTH_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): AuthSettings => ({ ...config.accounts }),
        },
        {
          provide: MAILER,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): Mailer => {
            if (options.mailer) return options.mailer;
            const { smtpUrl, from } = config.accounts.mail;
            return smtpUrl
              ? new SmtpMailer(smtpUrl, from)
              : new FileMailer(mailOutboxFile(config.dataDir));
          },
        },
        {
          provide: SIGNING_KEY_TIMING,
          useValue: options.signingKeyTiming ?? DEFAULT_SIGNING_KEY_TIMING,
        },
        AuthEventsPublisher,
        SessionsRepository,
        SessionsService,
        ApiKeysRepository,
        ApiKeysService,
        MailTokensRepository,
        InvitesRepository,
        EmailVerificationService,
        PasswordResetService,
        AdminService,
        PasswordHasher,
        UsersRepository,
        RefreshTokensRepository,
        SigningKeysRepository,
        SigningKeysService,
        AuthService,
        ...CREDITS_PROVIDERS,
      ],
    };
  }
}
