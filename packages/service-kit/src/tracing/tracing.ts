import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  /** `service.name` of every span: `docat-<service>` in cluster mode, `docat` in standalone. */
  serviceName: string;
  /** Defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
}

export interface Tracing {
  /** True when spans are exported (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  readonly serviceName: string;
  /** Sends the spans still buffered; call before the process exits. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let current: Promise<Tracing> | undefined;

/** Whether the environment asks for spans to be exported (OTLP over HTTP). */
export function tracingExportConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'none') return false;
  return Boolean(
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim(),
  );
}

/**
 * Starts tracing for this process, once (standalone mode boots six modules in one
 * process; the first call wins and later ones get the same instance).
 *
 * Trace context always works: an AsyncLocalStorage context manager, the W3C
 * propagator and a tracer provider are registered, so every log line carries a trace
 * id and `traceparent` travels over HTTP, the bus, the queues and webhooks even when
 * nothing is exported. Exporting is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; then `@opentelemetry/sdk-node` is loaded
 * and sends spans over OTLP/HTTP (JSON) in batches, honouring the standard `OTEL_*`
 * variables (sampler, batch sizes, resource attributes). No auto-instrumentation is
 * loaded: the kit opens its own spans for HTTP requests, RPCs, events, queue jobs and
 * webhooks, which keeps start-up fast and needs no ESM loader hooks.
 */
export function startTracing(opts: TracingOptions): Promise<Tracing> {
  current ??= start(opts);
  return current;
}

async function start(opts: TracingOptions): Promise<Tracing> {
  const env = opts.env ?? process.env;
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || opts.serviceName;
  const contextManager = new AsyncLocalStorageContextManager();
  // Trace context only: client-sent baggage is not carried into the platform.
  const propagator = new W3CTraceContextPropagator();

  if (tracingExportConfigured(env)) {
    const [{ NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
    ]);
    const sdk = new NodeSDK({
      serviceName,
      contextManager,
      textMapPropagator: propagator,
      traceExporter: new OTLPTraceExporter(),
      // Metrics are Prometheus (prom-client) and logs are pino: the SDK sets up traces only.
      metricReaders: [],
      logRecordProcessors: [],
      instrumentations: [],
      // OTEL_RESOURCE_ATTRIBUTES only: host and process detection costs start-up time.
      resourceDetectors: [envDetector],
    });
    sdk.start();
    const provider = trace.getTracerProvider() as unknown as { forceFlush?: () => Promise<void> };
    const delegate =
      (provider as { getDelegate?: () => { forceFlush?: () => Promise<void> } }).getDelegate?.() ??
      provider;
    return {
      exporting: true,
      serviceName,
      flush: async () => {
        // Spans are best effort: an unreachable collector must not fail a job or a shutdown.
        await delegate.forceFlush?.().catch(() => undefined);
      },
      shutdown: () => sdk.shutdown().catch(() => undefined),
    };
  }

  // Not exporting: spans get real ids (for logs and propagation) and go nowhere.
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(propagator);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
  });
  trace.setGlobalTracerProvider(provider);
  return {
    exporting: false,
    serviceName,
    flush: () => Promise.resolve(),
    // Spans are best effort: an unreachable collector must not fail a shutdown.
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
