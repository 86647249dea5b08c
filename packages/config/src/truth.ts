/**
 * The words a true/false setting accepts, in one place: the configuration schema reads every
 * boolean variable with them, and the CLI reads the one it needs without loading the schema.
 * Case and surrounding spaces are ignored; anything else is `undefined`, for the caller to
 * reject with its own message.
 */
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function truthOf(text: string): boolean | undefined {
  const lowered = text.trim().toLowerCase();
  if (TRUE.has(lowered)) return true;
  if (FALSE.has(lowered)) return false;
  return undefined;
}
