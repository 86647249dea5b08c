import { DocatError } from '@docat/contracts';
import { ENGINE_VARIABLES } from './registry.js';
import { reasonOf } from '../translator.js';
import type { EngineHealth, TranslationEngine } from '../types.js';

/** How long a credential check waits for the provider before it is left undecided. */
export const ENGINE_CHECK_MS = 5_000;

/**
 * One cheap authenticated call to the engine's provider (DeepL `/v2/usage`, an
 * OpenAI-compatible or Anthropic `/v1/models/<model>`, Google's language list,
 * LibreTranslate's language list), through the engine's own health check. It never
 * throws: a provider that does not answer within `timeoutMs` is `ok: false` without
 * `refused`, as is one that answered with anything but a refusal of the key.
 */
export async function checkEngine(
  engine: TranslationEngine,
  timeoutMs = ENGINE_CHECK_MS,
): Promise<EngineHealth> {
  if (engine.name === 'pseudo') return { ok: true };
  return answerWithin(engine.health(), timeoutMs).catch((err: unknown): EngineHealth => ({
    ok: false,
    detail: err instanceof Error ? err.message : String(err),
  }));
}

/**
 * The ENGINE_AUTH error for a job whose every engine refused its key, before any page is
 * extracted or any credit charged; undefined when one engine of the chain may translate
 * (it accepted its key, or could not be asked: such a provider fails the job later, with
 * its own error, only if it is still down). `check` lets a server reuse recent answers.
 */
export async function credentialRefusal(
  chain: readonly TranslationEngine[],
  check: (engine: TranslationEngine) => Promise<EngineHealth> = (engine) => checkEngine(engine),
): Promise<DocatError | undefined> {
  if (chain.length === 0 || chain.some((engine) => engine.name === 'pseudo')) return undefined;
  const answers = await Promise.all(chain.map((engine) => check(engine)));
  if (!answers.every((health) => health.refused === true)) return undefined;
  const reasons = chain.map((engine, i) => {
    const key = ENGINE_VARIABLES[engine.name].key;
    // Cut and masked as a job's engine failure is: it reaches the uploader, who may not own the key.
    return `${engine.name} refused its key${key ? ` (${key})` : ''}${reasonOf(new Error(answers[i]!.detail ?? 'no detail'))}`;
  });
  return new DocatError('ENGINE_AUTH', reasons.join('; '));
}

/**
 * `work`, or a rejection once `ms` passed: for a question to a provider (its language
 * list) that a caller may go on without, so that one that never answers delays nothing long.
 */
export function answerWithin<T>(work: Promise<T>, ms = ENGINE_CHECK_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
