import { randomFillSync } from 'node:crypto';
import {
  TraceFlags,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { envDetector } from '@opentelemetry/resources';

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
 * nothing is exported (then spans carry ids only and record nothing). Exporting is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or
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

  // Not exporting: spans get real ids (for logs and propagation) and record nothing.
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(propagator);
  trace.setGlobalTracerProvider(ID_ONLY_PROVIDER);
  return {
    exporting: false,
    serviceName,
    flush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/** Random bytes drawn in blocks: one `randomFillSync` serves a few hundred ids. */
const RANDOM_POOL = Buffer.alloc(8192);
let randomOffset = RANDOM_POOL.length;

/** `bytes` random bytes as lower-case hex, never all zeros (an invalid trace or span id). */
function randomId(bytes: number): string {
  if (randomOffset + bytes > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    randomOffset = 0;
  }
  const out = RANDOM_POOL.toString('hex', randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return ALL_ZEROS.test(out) ? `${out.slice(0, -1)}1` : out;
}
const ALL_ZEROS = /^0+$/;

/**
 * The tracer used when nothing is exported. Each span is a non-recording span with fresh
 * ids: it continues its parent's trace (or starts one, sampled, like the SDK's default
 * sampler) so log lines carry trace and span ids and `traceparent` travels on, but it
 * keeps no name, attributes, events or timings. The SDK's span does all of that for every
 * HTTP request, RPC and event, and threw it away at the end: a tenth of the gateway's
 * time on a status poll, most of it allocation and garbage collection.
 */
class IdOnlyTracer implements Tracer {
  startSpan(_name: string, options?: SpanOptions, ctx: Context = context.active()): Span {
    const parent = options?.root ? undefined : trace.getSpanContext(ctx);
    const continued = parent !== undefined && isSpanContextValid(parent);
    return trace.wrapSpanContext({
      traceId: continued ? parent.traceId : randomId(16),
      spanId: randomId(8),
      traceFlags: continued ? parent.traceFlags : TraceFlags.SAMPLED,
      ...(continued && parent.traceState ? { traceState: parent.traceState } : {}),
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), () => fn(span) as ReturnType<F>);
  }
}

const ID_ONLY_TRACER = new IdOnlyTracer();
const ID_ONLY_PROVIDER: TracerProvider = { getTracer: () => ID_ONLY_TRACER };
