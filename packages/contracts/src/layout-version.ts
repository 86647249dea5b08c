/** Version of the layout model (`layout.ts`); kept apart so code without zod can read it. */
export const LAYOUT_SCHEMA_VERSION = 1;
