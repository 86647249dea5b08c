import type { z } from 'zod';
import {
  describeDefault,
  GROUPS,
  VARIABLE_NAMES,
  VARIABLES,
  type VariableSpec,
} from './variables.js';

type AnySpec = VariableSpec<z.ZodType<unknown, string>, string | undefined>;

const WIDTH = 88;

function wrap(text: string, prefix: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && prefix.length + line.length + 1 + word.length > WIDTH) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(prefix + line);
  return lines;
}

function entries(): [string, AnySpec][] {
  return VARIABLE_NAMES.map((name) => [name, VARIABLES[name] as AnySpec]);
}

/**
 * The text of `.env.example`: every variable, grouped, with its description, commented
 * out at its default (or an example) so a copy changes nothing until a line is edited.
 */
export function renderEnvExample(): string {
  const out: string[] = [
    '# Docat configuration. Generated from packages/config/src/variables.ts by',
    '# `npm run env-example -w @docat/config`; edit that file, not this one.',
    '# Unset and empty variables take their defaults. Secrets are marked [secret].',
  ];
  for (const group of GROUPS) {
    out.push('', `# ---- ${group} ${'-'.repeat(Math.max(4, WIDTH - group.length - 8))}`);
    for (const [name, spec] of entries().filter(([, s]) => s.group === group)) {
      const notes = [
        spec.secret ? '[secret]' : undefined,
        spec.clusterRequired ? '[required in cluster mode]' : undefined,
        spec.derivedDefault ? `Default: ${spec.derivedDefault}.` : undefined,
      ].filter(Boolean);
      out.push('', ...wrap([spec.description, ...notes].join(' '), '# '));
      out.push(`# ${name}=${spec.default ?? spec.example ?? ''}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table of every variable, for the configuration reference in docs/. */
export function generateConfigReference(): string {
  const rows = entries().map(([name, spec]) => {
    const fallback = describeDefault(spec);
    const shownDefault =
      fallback === undefined ? '(unset)' : fallback === '' ? '(empty)' : `\`${fallback}\``;
    const required = spec.clusterRequired ? ' Required in cluster mode.' : '';
    return `| \`${name}\` | ${cell(spec.group)} | ${cell(shownDefault)} | ${cell(spec.description + required)} | ${spec.secret ? 'yes' : 'no'} |`;
  });
  return [
    '| Variable | Group | Default | Description | Secret |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
