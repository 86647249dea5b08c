import { ERROR_CODES } from '@docat/contracts';
import { OPERATIONS } from './openapi.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inline code spans (`x`) of the operation texts, the only markup they use. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function schemaBlock(document: Record<string, unknown>, name: string | undefined): string {
  if (!name) return '';
  const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
  return `<details><summary>${escapeHtml(name)}</summary><pre>${escapeHtml(JSON.stringify(schemas[name], null, 2))}</pre></details>`;
}

/**
 * A self-contained HTML reference generated from the OpenAPI document: no scripts, no
 * external assets (the page's CSP allows inline styles and nothing else).
 */
export function renderDocsPage(document: Record<string, unknown>): string {
  const info = document.info as { title: string; version: string; description: string };
  const sections = OPERATIONS.map((op) => {
    const request = op.body
      ? `<h4>Request body (${escapeHtml(op.body.contentType)})</h4>${schemaBlock(document, op.body.schema)}`
      : '';
    const query = op.query?.length
      ? `<h4>Query</h4><ul>${op.query.map((q) => `<li><code>${escapeHtml(q.name)}</code>${q.required ? ' (required)' : ''}: ${inline(q.description)}</li>`).join('')}</ul>`
      : '';
    const errors = op.errors.length
      ? `<h4>Errors</h4><ul>${op.errors.map((code) => `<li><code>${code}</code> ${ERROR_CODES[code].status}: ${escapeHtml(ERROR_CODES[code].title)}</li>`).join('')}</ul>`
      : '';
    return `<section id="${op.operationId}">
<h3><span class="m ${op.method}">${op.method.toUpperCase()}</span> <code>${escapeHtml(op.path)}</code>${op.auth ? ' <span class="lock">Bearer token</span>' : ''}</h3>
<p>${inline(op.summary)}</p>${op.description ? `<p>${inline(op.description)}</p>` : ''}
${query}${request}
<h4>${op.success.status}: ${inline(op.success.description)}</h4>${schemaBlock(document, op.success.schema)}
${errors}
</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} ${escapeHtml(info.version)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.75rem;overflow:auto}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4.5em;font-size:13px;color:#fff;padding:0 .4em;border-radius:3px}
.get{background:#2f7d32}.post{background:#1565c0}.delete{background:#c62828}.lock{font-size:12px;color:#795548}
</style></head><body>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>${inline(info.description)} The machine-readable document is <a href="/docs/openapi.json">/docs/openapi.json</a>.</p>
<nav><ul>${OPERATIONS.map((op) => `<li><a href="#${op.operationId}">${op.method.toUpperCase()} ${escapeHtml(op.path)}</a></li>`).join('')}</ul></nav>
${sections}
</body></html>
`;
}
