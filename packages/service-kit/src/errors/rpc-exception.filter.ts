import { Catch, Logger, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { DocatError, toDocatError } from '@docat/contracts';

/**
 * Every error leaving an RPC or event handler becomes a `DocatError`, which the
 * transport sends as its wire form. Anything that is not already one is logged here
 * and crosses the bus as `INTERNAL` with no detail, so internals never leak.
 */
@Catch()
export class DocatRpcExceptionFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcExceptionFilter');

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    const error = toDocatError(exception);
    if (!(exception instanceof DocatError)) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    return throwError(() => error);
  }
}
