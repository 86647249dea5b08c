import { engineBilledCharacters, engineRequests, translationMemoryLookups } from '@docat/observability';
import type { TranslateOutcome } from '@docat/translate';

/** Counts one chunk's translation: requests and billed characters per engine, memory hits and misses. */
export function recordTranslation(outcome: TranslateOutcome): void {
  for (const [engine, n] of Object.entries(outcome.requests)) if (n) engineRequests.inc({ engine, outcome: 'ok' }, n);
  for (const [engine, n] of Object.entries(outcome.billedCharacters)) if (n) engineBilledCharacters.inc({ engine }, n);
  const sent = outcome.segments.filter((s) => s.engine !== null && !s.fromMemory).length;
  if (outcome.memoryHits) translationMemoryLookups.inc({ result: 'hit' }, outcome.memoryHits);
  if (sent) translationMemoryLookups.inc({ result: 'miss' }, sent);
}

/** A chunk whose engines all failed counts as one failed request of the engine it asked for. */
export function recordEngineFailure(engine: string): void {
  engineRequests.inc({ engine, outcome: 'error' });
}
