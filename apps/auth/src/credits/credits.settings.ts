import type { DocatConfig } from '@docat/config';

/** `CreditsSettings`: the part of the configuration the ledger reads. */
export const CREDITS_SETTINGS = Symbol('CREDITS_SETTINGS');

export type CreditsSettings = DocatConfig['credits'];
