import {
  engineBilledCharacters,
  engineRequestDuration,
  engineRequests,
  translationFailures,
  translationMemoryLookups,
} from '@docat/observability';
import type { EngineCall, TranslateOutcome } from '@docat/translate';

/** Counts one engine attempt (the Translator reports each, retries included). */
export function recordEngineCall(call: EngineCall): void {
  engineRequests.inc({ engine: call.engine, outcome: call.outcome });
  engineRequestDuration.observe({ engine: call.engine, outcome: call.outcome }, call.seconds);
  if (call.billedCharacters > 0)
    engineBilledCharacters.inc({ engine: call.engine }, call.billedCharacters);
}

/** Counts one chunk's translation-memory hits and misses (segments served versus sent to an engine). */
export function recordTranslation(outcome: TranslateOutcome): void {
  const sent = outcome.segments.filter((s) => s.engine !== null && !s.fromMemory).length;
  if (outcome.memoryHits) translationMemoryLookups.inc({ result: 'hit' }, outcome.memoryHits);
  if (sent) translationMemoryLookups.inc({ result: 'miss' }, sent);
}

/** A chunk whose engines all failed, by the engine the job asked for. */
export function recordEngineFailure(engine: string): void {
  translationFailures.inc({ engine });
}
