import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WEB_APP_CSP } from '../http/security-headers.js';

/** Vite names every file under `assets/` by its content hash: a new build never reuses a name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** pdf.js data files (character maps, fonts, decoders) change only with the app's version. */
const VERSIONED = 'public, max-age=86400';
/** The shell names the current hashed files, so browsers must ask again each time. */
const REVALIDATE = 'no-cache';

/** The web app's build (`@docat/web`'s `dist`), or null when it was not built. */
export function webAppRoot(): string | null {
  try {
    const root = join(
      dirname(createRequire(import.meta.url).resolve('@docat/web/package.json')),
      'dist',
    );
    return existsSync(join(root, 'index.html')) ? root : null;
  } catch {
    return null;
  }
}

/** A page the browser navigates to (not a script's fetch, not a file, not the API). */
function isAppNavigation(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '/';
  if (path.startsWith('/v1/') || extname(path) !== '') return false;
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

function cacheControlFor(url: string, contentType: string): string {
  if (contentType.startsWith('text/html')) return REVALIDATE;
  if (url.startsWith('/assets/')) return IMMUTABLE;
  return VERSIONED;
}

/**
 * Serves the web app at `/`: its files, precompressed when the browser accepts it, with
 * the app's CSP (scripts and styles from this origin only, no inline script) instead of
 * the API's; and `index.html` for the app's own routes (`/jobs/…`, `/reset-password`),
 * which the app routes in the browser. Everything else, the API included, is untouched:
 * an unknown path that is not a page navigation still answers problem+json 404.
 */
export async function serveWebApp(instance: FastifyInstance, root: string): Promise<void> {
  await instance.register(async (scope) => {
    scope.addHook(
      'onSend',
      async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
        if (reply.statusCode < 400) {
          const type = String(reply.getHeader('content-type') ?? '');
          void reply
            .header('content-security-policy', WEB_APP_CSP)
            .header('cache-control', cacheControlFor(request.url, type));
        }
        return payload;
      },
    );
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      // One route per built file, so no pattern route competes with the API's.
      wildcard: false,
      preCompressed: true,
      cacheControl: false,
      // `/` is answered below: the plugin's own index route fails on precompressed files.
      index: false,
      globIgnore: ['**/*.br', '**/*.gz'],
    });
    scope.get('/', async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.sendFile('index.html'),
    );
    scope.get('/*', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!isAppNavigation(request)) return reply.callNotFound();
      return reply.sendFile('index.html');
    });
  });
}
