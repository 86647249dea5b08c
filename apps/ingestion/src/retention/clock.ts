/** Time as the retention sweeps see it; tests pass a clock they move by hand. */
export interface Clock {
  now(): Date;
}

export const SYSTEM_CLOCK: Clock = { now: () => new Date() };

export const RETENTION_CLOCK = Symbol('RETENTION_CLOCK');
