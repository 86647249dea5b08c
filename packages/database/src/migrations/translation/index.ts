import type { MigrationClass } from '../../data-source.js';
import { TranslationBaseline1767225600000 } from './1767225600000-translation-baseline.js';
import { TranslationMemory1767225800000 } from './1767225800000-translation-memory.js';
import { TranslationGlossaries1767226000000 } from './1767226000000-glossaries.js';
import { TranslationGlossaryUpdatedAt1767226200000 } from './1767226200000-glossary-updated-at.js';

/**
 * Migrations of the `translation` schema, oldest first. To add one: create
 * `<Date.now()>-<name>.ts` in this folder exporting a class named `<Name><timestamp>`
 * (with the same string in its `name` field) and append it here. Never edit or remove a
 * released migration; write a new one.
 */
export const translationMigrations: readonly MigrationClass[] = [
  TranslationBaseline1767225600000,
  TranslationMemory1767225800000,
  TranslationGlossaries1767226000000,
  TranslationGlossaryUpdatedAt1767226200000,
];
