/**
 * Checks the e2e mock server against the API's own OpenAPI document (src/api/generated/openapi.json, written
 * by scripts/gen_api_types.sh from the FastAPI app): every mock route must be an operation of the API, and
 * every JSON body the mock sends must match that operation's response schema for its status code.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

const OPENAPI = new URL('../src/api/generated/openapi.json', import.meta.url);

/** `#/components/schemas/X` -> `openapi#/$defs/X`, so every schema resolves against one registered root. */
function rewriteRefs(node, prefix) {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, prefix));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', `${prefix}#/$defs/`) : rewriteRefs(v, prefix)]),
  );
}

/** `/api/v1/conversations/{conversation_id}` -> a RegExp matching concrete paths. */
const templateRe = (template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);

export function openapiChecker(doc = JSON.parse(readFileSync(OPENAPI, 'utf8'))) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'openapi', $defs: rewriteRefs(doc.components?.schemas ?? {}, '') }, 'openapi');
  const operations = Object.entries(doc.paths)
    .flatMap(([template, item]) => Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), template, re: templateRe(template), op })))
    .sort((a, b) => a.template.split('{').length - b.template.split('{').length); // /users/me before /users/{id}
  const compiled = new Map();
  const operationFor = (method, path) => operations.find((o) => o.method === method && o.re.test(path));

  return {
    /** The OpenAPI operation a mock route pattern (`/api/v1/users/:id`) stands for, or undefined. */
    operationForPattern: (method, pattern) => operationFor(method, pattern.replace(/:\w+/g, 'x')),
    /** Problems with one JSON response: an undocumented operation or status, or schema mismatches. */
    check(method, path, status, body) {
      const operation = operationFor(method, path);
      if (!operation) return [`${method} ${path} is not an operation of the API`];
      const response = operation.op.responses?.[String(status)];
      if (!response) return [`${method} ${operation.template} never answers ${status} in the API`];
      const schema = response.content?.['application/json']?.schema;
      if (!schema) return body === undefined ? [] : [`${method} ${operation.template} ${status} has no JSON body in the API`];
      const key = `${method} ${operation.template} ${status}`;
      if (!compiled.has(key)) compiled.set(key, ajv.compile(rewriteRefs(schema, 'openapi')));
      const validate = compiled.get(key);
      return validate(body) ? [] : validate.errors.map((e) => `${key}: ${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`);
    },
  };
}
