import { createHash } from 'node:crypto';
import type { EngineName, Formality } from '../types.js';

/**
 * Everything that can change an engine's output for a segment. Two requests with equal
 * contexts and equal normalized text get the same translation from memory.
 */
export interface MemoryContext {
  accountId: string;
  engine: EngineName;
  model: string;
  source: string;
  target: string;
  /** Content version of the glossary applied, or empty. */
  glossaryVersion?: string;
  formality?: Formality;
  /** Prompt version for LLM engines; empty for machine translation. */
  promptVersion?: string;
}

export interface MemoryEntry extends MemoryContext {
  key: string;
  glossaryId?: string;
  /** Normalized source segment, placeholders as tokens. */
  sourceText: string;
  /** Translation, placeholders as tokens (restored per use, so numbers may differ). */
  targetText: string;
  createdAt?: Date;
}

/** NFC, whitespace runs collapsed, trimmed: the form memory keys are computed on. */
export function normalizeSegment(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** Version of the key layout below; bump to invalidate every entry at once. */
const KEY_VERSION = 'tm1';

export function memoryKey(context: MemoryContext, text: string): string {
  const parts = [
    KEY_VERSION,
    context.accountId,
    context.engine,
    context.model,
    context.source,
    context.target,
    context.glossaryVersion ?? '',
    context.formality ?? '',
    context.promptVersion ?? '',
    normalizeSegment(text),
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function memoryEntry(
  context: MemoryContext,
  sourceText: string,
  targetText: string,
  glossaryId?: string,
): MemoryEntry {
  return {
    ...context,
    key: memoryKey(context, sourceText),
    sourceText: normalizeSegment(sourceText),
    targetText,
    ...(glossaryId ? { glossaryId } : {}),
  };
}

/** Translation memory, private to each account (the account is part of every key). */
export interface TranslationMemory {
  getMany(keys: readonly string[]): Promise<Map<string, MemoryEntry>>;
  putMany(entries: readonly MemoryEntry[]): Promise<void>;
  /** Erase an account's entries, or only those made with one glossary. Returns the count removed. */
  purge(filter: { accountId: string; glossaryId?: string }): Promise<number>;
  /** Every entry of an account, oldest first (for TMX export). */
  list(accountId: string): AsyncIterable<MemoryEntry>;
  close(): Promise<void>;
}
