export { GatewayModule } from './gateway.module.js';
export { configureGatewayApp, createGatewayAdapter, gatewayHttpOptions } from './gateway.http.js';
