import type { MemoryEntry, TranslationMemory } from './translation-memory.js';

/** Process-local memory for unit tests and throwaway runs. */
export class InMemoryTranslationMemory implements TranslationMemory {
  private readonly entries = new Map<string, MemoryEntry>();

  async getMany(keys: readonly string[]): Promise<Map<string, MemoryEntry>> {
    const out = new Map<string, MemoryEntry>();
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry) out.set(key, entry);
    }
    return out;
  }

  async putMany(entries: readonly MemoryEntry[]): Promise<void> {
    for (const entry of entries)
      this.entries.set(entry.key, { ...entry, createdAt: entry.createdAt ?? new Date() });
  }

  async purge(filter: { accountId: string; glossaryId?: string }): Promise<number> {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.accountId !== filter.accountId) continue;
      if (filter.glossaryId !== undefined && entry.glossaryId !== filter.glossaryId) continue;
      this.entries.delete(key);
      removed++;
    }
    return removed;
  }

  async *list(accountId: string): AsyncIterable<MemoryEntry> {
    for (const entry of this.entries.values()) if (entry.accountId === accountId) yield entry;
  }

  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {}
}
