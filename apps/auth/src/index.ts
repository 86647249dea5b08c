export { AuthModule, AUTH_PATTERNS } from './auth.module.js';
