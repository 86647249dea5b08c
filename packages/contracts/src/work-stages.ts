// Without the schema library (see core.ts).

/** Work stages that report progress as done/total. */
export const WORK_STAGES = ['extract', 'translate', 'render'] as const;
export type WorkStage = (typeof WORK_STAGES)[number];
