// Outbound HTTP for every connector: undici's fetch behind an env-configured proxy agent.
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';

type Env = Record<string, string | undefined>;

// Lower-case first, like curl and undici itself; empty values count as unset.
function pick(env: Env, name: string): string {
  return env[name.toLowerCase()] || env[name.toUpperCase()] || '';
}

/**
 * Returns a `fetch` that routes through HTTP(S)_PROXY unless NO_PROXY matches the host.
 * NO_PROXY entries: `host`, `.domain`/`*.domain` (subdomains), `host:port`, or `*`.
 * Without HTTPS_PROXY, https:// requests use HTTP_PROXY (undici's rule).
 */
export function createFetch(env: Env = process.env): typeof fetch {
  const dispatcher = new EnvHttpProxyAgent({
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

  return async (input, init) => {
    let url = input;
    let base: RequestInit = {};
    // ky (and anyone else) hands us a *global* Request, which undici@7's fetch rejects
    // ("Failed to parse URL from [object Request]": it is another undici copy's class).
    // Unpack it into url + init. The body is buffered so it goes out with a
    // Content-Length; connector payloads are small JSON documents.
    if (input instanceof Request) {
      url = input.url;
      base = {
        method: input.method,
        headers: input.headers,
        body: input.body ? await input.arrayBuffer() : undefined,
        signal: input.signal,
        redirect: input.redirect,
      };
    }
    // Casts only: undici@7's RequestInit/Response have the same shape as the global
    // (@types/node) ones, but TypeScript sees distinct declarations.
    const response = await undiciFetch(url as string | URL, {
      ...base,
      ...init,
      dispatcher,
    } as Parameters<typeof undiciFetch>[1]);
    return response as unknown as Response;
  };
}

/** Process-wide fetch configured from process.env at startup; pass as `ky.create({ fetch: proxyFetch })`. */
export const proxyFetch = createFetch();
