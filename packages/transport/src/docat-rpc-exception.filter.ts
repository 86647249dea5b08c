import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC exception filter turns every error that is not an RpcException
 * into "Internal server error", which would erase a DocatError's code. Registered with
 * `app.useGlobalFilters(new DocatRpcExceptionFilter())`, this hands the error to the
 * transport untouched; the transport sends a DocatError as its code and message and
 * anything else as INTERNAL with no detail.
 */
@Catch()
export class DocatRpcExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
