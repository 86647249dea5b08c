import { z } from 'zod';
import { FakeRequestError } from './fake-server.js';

const batchSchema = z.object({
  source: z.string(),
  target: z.string(),
  segments: z.array(z.object({ id: z.string(), text: z.string() })),
});
export type FakeLlmBatch = z.infer<typeof batchSchema>;

/** Parse the batch JSON a Docat LLM engine puts in its first user message. */
export function parseLlmBatch(content: string): FakeLlmBatch {
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch {
    throw new FakeRequestError(400, 'user message is not JSON');
  }
  const parsed = batchSchema.safeParse(raw);
  if (!parsed.success)
    throw new FakeRequestError(400, 'user message is not {"source","target","segments"}');
  return parsed.data;
}

/** The translations object; `malformed` drops the last segment, which a client must notice. */
export function llmTranslations(
  batch: FakeLlmBatch,
  translate: (text: string, target: string) => string,
  malformed: boolean,
): { translations: { id: string; text: string }[] } {
  const translations = batch.segments.map((s) => ({
    id: s.id,
    text: translate(s.text, batch.target),
  }));
  return { translations: malformed ? translations.slice(0, -1) : translations };
}

export function batchCharacters(batch: FakeLlmBatch): number {
  return batch.segments.reduce((n, s) => n + s.text.length, 0);
}
