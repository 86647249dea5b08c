export { GatewayModule } from './gateway.module.js';
export { configureGatewayApp, createGatewayAdapter, gatewayHttpOptions } from './gateway.http.js';
export { GATEWAY_EVENTS } from './auth/revocation-events.controller.js';
export { PLAIN_ROUTES } from './jobs/job-status.route.js';
export { IS_PUBLIC, Public } from './auth/public.decorator.js';
