import { SetMetadata } from '@nestjs/common';

/** Metadata key `@Public()` sets on a route or a controller. */
export const IS_PUBLIC = 'docat:public';

/**
 * Opts a route (or every route of a controller) out of the global `AccessTokenGuard`.
 * Every other route needs a credential, so a new route that forgets to say anything is
 * authenticated rather than open.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
