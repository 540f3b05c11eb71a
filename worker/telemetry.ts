// Telemetry for every port-sync process: Temporal's Rust core runtime (its logs forwarded to our
// redacting JSON logger, its metrics and ours on one Prometheus endpoint) and OpenTelemetry traces
// (a span per Temporal client call, workflow and activity, linked end to end), exported by OTLP/HTTP
// when OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { createRequire } from 'node:module';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, Runtime, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';

const require = createRequire(import.meta.url);

export const tracingEnabled = (env: NodeJS.ProcessEnv = process.env) => Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT);

/**
 * Workflow interceptor modules for the bundle: OpenTelemetry's only when spans are exported. They cost
 * a lot per cached workflow (measured: worker RSS 3.2 GB vs 0.65 GB with 1,000 live event workflows)
 * and add no commands, so histories replay with or without them (tests/replay checks both).
 */
export function workflowInterceptorModules(withTracing = tracingEnabled()): string[] {
  return withTracing ? [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')] : [];
}

interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
}

let tracing: Tracing | undefined;

/** Sets up tracing once per process; spans are dropped unless an OTLP endpoint is configured. */
export function setupTracing(env: NodeJS.ProcessEnv = process.env): Tracing {
  if (tracing) return tracing;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? 'port-sync' });
  const spanProcessor = tracingEnabled(env)
    ? new BatchSpanProcessor(new OTLPTraceExporter())
    : new NoopSpanProcessor();
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  tracing = { resource, spanProcessor };
  return tracing;
}

/** Flushes spans still buffered; call on shutdown. */
export async function flushTracing() {
  await tracing?.spanProcessor.forceFlush();
}

/** Activity interceptors and the workflow span sink; workflow interceptors are in the bundle. */
export function workerTelemetryOptions(): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const { resource, spanProcessor } = setupTracing();
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
  };
}

export function clientInterceptors() {
  setupTracing();
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Installs the Temporal runtime once per process, before any connection or worker: core logs go
 * through our logger, metrics to Prometheus at `metricsBind` (e.g. "0.0.0.0:9464") when given.
 */
export function installRuntime(logger: Logger, metricsBind?: string): Runtime {
  // Runtime.instance() would create a default runtime; only reuse one that exists.
  if (Runtime._instance) return Runtime._instance;
  const level = (process.env.LOG_LEVEL ?? 'info').toUpperCase();
  const temporalLogger = new DefaultLogger(
    (['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(level) ? level : 'INFO') as LogLevel,
    (entry) => logger[LEVELS[entry.level]]({ ...entry.meta, source: 'temporal' }, entry.message),
  );
  return Runtime.install({
    logger: temporalLogger,
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(metricsBind ? { metrics: { prometheus: { bindAddress: metricsBind } } } : {}),
    },
  });
}
