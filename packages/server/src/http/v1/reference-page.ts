import { html, raw } from "hono/html";

interface Operation {
  summary?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
}

/**
 * The API reference, rendered on the server from the OpenAPI document: one page, no script,
 * nothing fetched from elsewhere, so it works offline and behind any firewall.
 */
export function referencePage(document: {
  info: { title: string; version: string; description?: string };
  paths?: unknown;
}) {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  const operations = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${document.info.title}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.75rem;overflow:auto}
h2{margin-top:2.5rem;border-top:1px solid #ddd;padding-top:1rem}.method{font-weight:700;margin-right:.5rem}</style></head>
<body><h1>${document.info.title} <small>${document.info.version}</small></h1>
<p>${document.info.description ?? ""}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
${operations.map(
  ({
    path,
    method,
    operation,
  }) => html`<h2 id="${method}-${path}"><span class="method">${method}</span><code>${path}</code></h2>
<p>${operation.summary ?? ""}</p>
${
  operation.parameters?.length
    ? html`<p>Parameters: ${raw(operation.parameters.map((p) => `<code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ", required" : ""})`).join(", "))}</p>`
    : ""
}
${
  operation.requestBody?.content?.["application/json"]?.schema
    ? html`<p>Body:</p><pre>${JSON.stringify(operation.requestBody.content["application/json"].schema, null, 2)}</pre>`
    : ""
}
<ul>${Object.entries(operation.responses ?? {}).map(([status, response]) => html`<li><code>${status}</code> ${response.description ?? ""}</li>`)}</ul>`,
)}
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
