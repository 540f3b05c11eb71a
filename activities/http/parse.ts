// zod at the edge: every response body is checked where it enters, so a changed or broken API fails
// right there with a message naming the API, the route and the fields, not as a TypeError three
// functions later. Such a failure will not fix itself on retry: non-retryable.
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { redactSecrets } from '../../worker/logger';

const MAX_ISSUES = 5;

/** `entities[3].properties.url: Invalid input: expected string, received number; …` */
export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path
      .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
      .join('');
    return `${path || '(body)'}: ${issue.message}`;
  });
  const more = error.issues.length - MAX_ISSUES;
  return parts.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/** The response body as `schema` describes it, or a non-retryable `UnexpectedResponse` failure. */
export function parseResponse<S extends z.ZodType>(api: string, method: string, path: string, schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw ApplicationFailure.create({
    type: 'UnexpectedResponse',
    message: redactSecrets(`${api} API: ${method.toUpperCase()} ${path} answered an unexpected body: ${describeIssues(result.error)}`),
    nonRetryable: true,
  });
}

/** A request body built from user data, checked before it is sent: a non-retryable `InvalidRequest`. */
export function parseRequest<S extends z.ZodType>(api: string, what: string, schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw ApplicationFailure.create({
    type: 'InvalidRequest',
    message: redactSecrets(`${api} API: ${what} is not valid: ${describeIssues(result.error)}`),
    nonRetryable: true,
  });
}
