// Outbound HTTP for every connector: a `fetch` for ky, sent with undici's request API behind an
// env-configured proxy agent.
//
// Why not undici's own fetch: per request it builds a second Request, streams the body through WHATWG
// streams chunk by chunk and wires abort signals across two copies of undici. On the benchmarks that was
// most of the worker's CPU per request (docs/http.md, "Cost per request"). undici's request API sends the
// same request; the answer is read whole (connector answers are JSON documents of at most a few MB) and
// handed to ky as a standard Response.
import { STATUS_CODES } from 'node:http';
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';

type Env = Record<string, string | undefined>;

// Lower-case first, like curl and undici itself; empty values count as unset.
function pick(env: Env, name: string): string {
  return env[name.toLowerCase()] || env[name.toUpperCase()] || '';
}

/** Statuses whose Response must have a null body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const MAX_REDIRECTIONS = 5;

/**
 * Returns a `fetch` that routes through HTTP(S)_PROXY unless NO_PROXY matches the host.
 * NO_PROXY entries: `host`, `.domain`/`*.domain` (subdomains), `host:port`, or `*`.
 * Without HTTPS_PROXY, https:// requests use HTTP_PROXY (undici's rule).
 * Failures look as they do with fetch: an aborted request rejects with its signal's reason, a network
 * failure (refused, reset, also while the body is read) with TypeError('fetch failed', { cause }).
 */
export function createFetch(env: Env = process.env): typeof fetch {
  const agent = new EnvHttpProxyAgent({
    // Always pass explicit strings: for `undefined` undici falls back to process.env
    // (and re-reads NO_PROXY on every request), which would ignore the `env` given here.
    httpProxy: pick(env, 'http_proxy'),
    httpsProxy: pick(env, 'https_proxy'),
    noProxy: pick(env, 'no_proxy'),
    // undici tunnels even http:// targets with CONNECT by default; corporate proxies
    // commonly allow CONNECT to 443 only, so send http:// in absolute form as curl does.
    // https:// still uses a CONNECT tunnel.
    proxyTunnel: false,
  });
  // NODE_EXTRA_CA_CERTS is honoured: undici dials via node:tls with no `ca`, i.e. Node's trust store (checked, undici 7.30).
  // fetch follows redirects by default; so does this, unless the request says `redirect: 'manual'`.
  const following = agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));

  return async (input, init) => {
    // ky hands over a whole Request, and in `init` only options a Request has no field for.
    const req = input instanceof Request ? input : new Request(input, init);
    const signal = req.signal;
    try {
      const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
      const res = await request(req.url, {
        dispatcher: req.redirect === 'follow' ? following : agent,
        method: req.method as Dispatcher.HttpMethod,
        headers: Object.fromEntries(req.headers),
        body,
        signal,
      });
      const payload = NULL_BODY_STATUSES.has(res.statusCode) ? null : await res.body.arrayBuffer();
      if (payload === null) res.body.resume();
      return new Response(payload, { status: res.statusCode, statusText: STATUS_CODES[res.statusCode] ?? '', headers: toHeaders(res.headers) });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new TypeError('fetch failed', { cause: err });
    }
  };
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** Process-wide fetch configured from process.env at startup; pass as `ky.create({ fetch: proxyFetch })`. */
export const proxyFetch = createFetch();
