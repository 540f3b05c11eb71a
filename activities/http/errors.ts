// How an HTTP failure ends an activity attempt: 4xx other than 408/429 will not get better by trying
// again, so they fail the activity for good (invariant 7); everything else is retried by Temporal, no
// sooner than the API's Retry-After (or, on a 429, its rate-limit reset). Messages name the API,
// method, path and the API's own message.
import { ApplicationFailure } from '@temporalio/common';
import { HTTPError, TimeoutError } from 'ky';
import { redactSecrets } from '../../worker/logger';
import { serverWaitMs } from './headers';

const RETRYABLE_4XX = new Set([408, 429]);

/**
 * The API's own message from an error answer: `message`, else `error`, else incident.io's
 * `errors[]` (`field: message` each), else the text.
 */
export async function apiMessage(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).slice(0, 2000);
  try {
    const json = JSON.parse(text) as { message?: unknown; error?: unknown; errors?: unknown };
    const listed = Array.isArray(json.errors) ? json.errors.map(errorText).filter(Boolean).join('; ') : '';
    return String(json.message ?? json.error ?? (listed || text)).slice(0, 500);
  } catch {
    return text.slice(0, 500) || response.statusText;
  }
}

function errorText(e: unknown): string {
  if (typeof e !== 'object' || e === null) return '';
  const { message, source } = e as { message?: unknown; source?: { field?: unknown } };
  if (typeof message !== 'string') return '';
  return typeof source?.field === 'string' && source.field ? `${source.field}: ${message}` : message;
}

/** One refused item's reason, for a run report: status and the API's message, secrets redacted. */
export async function itemErrorMessage(err: HTTPError): Promise<string> {
  return redactSecrets(`${err.response.status}: ${await apiMessage(err.response)}`);
}

export { retryAfterMs } from './headers';

export async function toActivityFailure(err: unknown, api: string): Promise<unknown> {
  if (err instanceof TimeoutError) {
    // ky's own message carries the full URL; name only the path, as for HTTP errors.
    return ApplicationFailure.create({ message: `${api} API: ${err.request.method} ${new URL(err.request.url).pathname} timed out`, type: 'HttpTimeout' });
  }
  if (!(err instanceof HTTPError)) return err;
  const { status } = err.response;
  const where = `${(err as HTTPError & { api?: string }).api ?? api} API: ${err.request.method} ${new URL(err.request.url).pathname}`;
  // The API's message can echo what was sent; registered secrets never reach history.
  const message = redactSecrets(`${where} answered ${status}: ${await apiMessage(err.response)}`);
  if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
    return ApplicationFailure.create({ message, type: `HttpStatus${status}`, nonRetryable: true });
  }
  const delay = serverWaitMs(err.response);
  return ApplicationFailure.create({ message, type: `HttpStatus${status}`, ...(delay !== undefined ? { nextRetryDelay: delay } : {}) });
}

/** Runs an activity body so that HTTP failures end the attempt as described above. */
export async function withHttpFailures<T>(api: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw await toActivityFailure(err, api);
  }
}
