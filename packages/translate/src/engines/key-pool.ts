/**
 * Round-robin over a provider's API keys (one client per key). Spreading requests over
 * keys multiplies the provider's per-key quota; the order is per process.
 */
export class KeyPool<T> {
  private next = 0;
  private readonly items: readonly T[];

  constructor(items: readonly T[]) {
    if (items.length === 0) throw new Error('a key pool needs at least one key');
    this.items = items;
  }

  take(): T {
    const item = this.items[this.next % this.items.length]!;
    this.next = (this.next + 1) % this.items.length;
    return item;
  }

  get size(): number {
    return this.items.length;
  }
}

/** `a,b , c` -> ['a','b','c']: pools are configured as comma-separated keys. */
export function splitKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}
