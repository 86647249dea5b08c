import { z } from 'zod';
import { LANGUAGES } from '@docat/contracts';
import { TOKEN_PATTERN } from '../placeholders.js';
import { EngineError } from './engine-error.js';
import type {
  BatchSegment,
  EngineName,
  TranslateBatchRequest,
  TranslateBatchResult,
} from '../types.js';

/**
 * Version of the prompt below. It is part of every translation memory key of LLM
 * engines: change it whenever the prompt changes in a way that can change output.
 */
export const LLM_PROMPT_VERSION = 'llm-2';

export const llmReplySchema = z.object({
  translations: z.array(z.object({ id: z.string(), text: z.string() })),
});
export type LlmReply = z.infer<typeof llmReplySchema>;

/** JSON Schema of the reply, for structured output (OpenAI) and tool input (Anthropic). */
export const LLM_REPLY_JSON_SCHEMA = {
  type: 'object',
  properties: {
    translations: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, text: { type: 'string' } },
        required: ['id', 'text'],
        additionalProperties: false,
      },
    },
  },
  required: ['translations'],
  additionalProperties: false,
} as const;

function languageName(code: string | undefined): string {
  if (!code) return 'the source language (detect it)';
  return (LANGUAGES as Record<string, string>)[code] ?? code;
}

export function llmSystemPrompt(req: TranslateBatchRequest): string {
  const lines = [
    `You are a professional translator. Translate each segment from ${languageName(req.source)} into ${languageName(req.target)} (${req.target}).`,
    'The user message is JSON: {"source","target","segments":[{"id","text"}]}.',
    'Reply with JSON {"translations":[{"id","text"}]}: exactly one translation per segment, same ids, same order, nothing else.',
    'Tokens such as ⟦0⟧ stand for numbers, links, formulas or fixed terms: copy every token exactly once into the translation, where it belongs grammatically. Never add, drop, translate or renumber tokens.',
    'A pair such as ⟦2⟧…⟦/2⟧ marks words set in bold, italics or as a link: translate the words inside, and put the pair around the words of your translation that carry the same meaning, keeping each pair exactly once.',
    'Keep the register of a published document. Do not merge or split segments; do not add notes.',
  ];
  if (req.formality)
    lines.push(
      req.formality === 'more'
        ? 'Use the formal form of address.'
        : 'Use the informal form of address.',
    );
  if (req.context?.title) lines.push(`Document title: ${req.context.title}`);
  if (req.context?.neighbours && req.context.neighbours.length > 0) {
    lines.push(
      'Surrounding text, for context only (do not translate it):',
      ...req.context.neighbours.map((n) => `> ${n}`),
    );
  }
  if (req.glossary && req.glossary.length > 0) {
    lines.push(
      'Glossary (always use these translations):',
      ...req.glossary.map((e) => `- ${e.term} => ${e.translation}`),
    );
  }
  return lines.join('\n');
}

export function llmUserMessage(
  req: TranslateBatchRequest,
  segments: readonly BatchSegment[],
): string {
  return JSON.stringify({
    source: req.source ?? 'auto',
    target: req.target,
    segments: segments.map((s) => ({ id: s.id, text: s.text })),
  });
}

/**
 * The tokens a translation must keep: style pairs (indexes that have a closing token in
 * the source) are left out, as a reply that loses them costs a style, not a re-ask.
 */
function tokensOf(text: string, pairs: ReadonlySet<number>): string {
  return [...text.matchAll(TOKEN_PATTERN)]
    .filter((m) => !m[1] && !pairs.has(Number(m[2])))
    .map((m) => Number(m[2]))
    .sort((a, b) => a - b)
    .join(',');
}

function pairsOf(text: string): Set<number> {
  return new Set([...text.matchAll(TOKEN_PATTERN)].filter((m) => m[1]).map((m) => Number(m[2])));
}

/** Check a parsed reply against the request: ids one-to-one, placeholders intact. */
export function validateLlmReply(
  reply: unknown,
  segments: readonly BatchSegment[],
): { ok: true; translations: BatchSegment[] } | { ok: false; problem: string } {
  const parsed = llmReplySchema.safeParse(reply);
  if (!parsed.success)
    return { ok: false, problem: 'the reply is not {"translations":[{"id","text"}]}' };
  const byId = new Map<string, string>();
  for (const t of parsed.data.translations) {
    if (byId.has(t.id)) return { ok: false, problem: `id ${t.id} appears twice` };
    byId.set(t.id, t.text);
  }
  const problems: string[] = [];
  for (const s of segments) {
    const text = byId.get(s.id);
    if (text === undefined) problems.push(`id ${s.id} is missing`);
    else if (tokensOf(text, pairsOf(s.text)) !== tokensOf(s.text, pairsOf(s.text)))
      problems.push(`id ${s.id} must contain the tokens of its source exactly once each`);
    byId.delete(s.id);
  }
  for (const id of byId.keys()) problems.push(`id ${id} was not requested`);
  if (problems.length > 0) return { ok: false, problem: problems.slice(0, 5).join('; ') };
  return {
    ok: true,
    translations: segments.map((s) => ({ id: s.id, text: parsedText(parsed.data, s.id) })),
  };
}

function parsedText(reply: LlmReply, id: string): string {
  return reply.translations.find((t) => t.id === id)!.text;
}

/** One exchange with a chat model: a first question, then at most one follow-up about a bad reply. */
export interface LlmConversation {
  ask(): Promise<unknown>;
  reask(problem: string): Promise<unknown>;
}

export type OpenConversation = (segments: BatchSegment[]) => LlmConversation;

/**
 * Run a batch through an LLM: a bad reply is re-asked once with the problem stated;
 * if still bad the batch is split in halves, down to single segments, and a single
 * segment that fails twice is a `bad_reply` engine error.
 */
export async function runLlmBatch(
  engine: EngineName,
  req: TranslateBatchRequest,
  open: OpenConversation,
): Promise<TranslateBatchResult> {
  const translations = await translateSlice(engine, req, req.segments, open);
  const billedCharacters = req.segments.reduce((n, s) => n + s.text.length, 0);
  return { translations, billedCharacters, ...(req.source ? { detectedSource: req.source } : {}) };
}

async function translateSlice(
  engine: EngineName,
  req: TranslateBatchRequest,
  segments: BatchSegment[],
  open: OpenConversation,
): Promise<BatchSegment[]> {
  req.signal?.throwIfAborted();
  const conversation = open(segments);
  let result = validateLlmReply(await conversation.ask(), segments);
  if (!result.ok) {
    req.signal?.throwIfAborted();
    result = validateLlmReply(await conversation.reask(result.problem), segments);
  }
  if (result.ok) return result.translations;
  if (segments.length === 1)
    throw new EngineError(
      engine,
      'bad_reply',
      `unusable reply for segment ${segments[0]!.id}: ${result.problem}`,
    );
  const half = Math.ceil(segments.length / 2);
  const first = await translateSlice(engine, req, segments.slice(0, half), open);
  const second = await translateSlice(engine, req, segments.slice(half), open);
  return [...first, ...second];
}

/** Parse model text as JSON, tolerating a Markdown code fence around it. */
export function parseJsonText(text: string | null | undefined): unknown {
  if (!text) return undefined;
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/u.exec(text);
  try {
    return JSON.parse(fenced ? fenced[1]! : text);
  } catch {
    return undefined;
  }
}
