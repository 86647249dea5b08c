export { AuthModule, AUTH_PATTERNS, type AuthModuleOptions } from './auth.module.js';
export {
  FileMailer,
  mailOutboxFile,
  readMailOutbox,
  MemoryMailer,
  maskEmail,
  type Mailer,
  type MailMessage,
  type MailPurpose,
} from './mail/mailer.js';
export { SigningKeysService } from './keys/signing-keys.service.js';
export { PasswordResetService } from './mail/password-reset.service.js';
export { EmailVerificationService } from './mail/email-verification.service.js';
export { SmtpMailer } from './mail/smtp.mailer.js';
