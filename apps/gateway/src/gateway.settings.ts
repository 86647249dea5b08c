/** `GatewaySettings`: the part of the configuration the gateway reads. */
export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');

export interface GatewaySettings {
  maxUploadBytes: number;
  corsOrigins: readonly string[];
  /** Interval of the comment lines keeping an idle event stream open. */
  sseHeartbeatMs: number;
  /** Event streams one account may hold open on this process, and the process in all. */
  sseMaxStreamsPerAccount: number;
  sseMaxStreamsPerProcess: number;
  /** WEBHOOK_ALLOWED_HOSTS: private hosts a job's `webhookUrl` may still name. */
  webhookAllowedHosts: readonly string[];
  /** Lifetime of the browser's refresh cookie: the refresh token's. */
  refreshTtlSeconds: number;
}

/** JSON bodies (auth requests) are small; anything bigger is refused unread. */
export const JSON_BODY_LIMIT = 1_048_576;

/**
 * Multipart overhead allowed on top of the file limit when judging `Content-Length`
 * before reading: boundaries, part headers and the option fields.
 */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
