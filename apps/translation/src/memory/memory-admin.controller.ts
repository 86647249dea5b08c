import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DocatError, RPC, TMX_MAX_CHARS } from '@docat/contracts';
import { exportTmx, importTmx, type TranslationMemory } from '@docat/translate';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
import { TRANSLATION_MEMORY } from '../translate/translation-engine.providers.js';

/** An account's own translation memory: purge (all, or one glossary's), TMX export and import. */
@Controller()
export class MemoryAdminController {
  constructor(@Inject(TRANSLATION_MEMORY) private readonly memory: TranslationMemory) {}

  @RpcHandler(RPC.TRANSLATION_MEMORY_PURGE)
  async purge(
    @Payload() req: RpcPayload<typeof RPC.TRANSLATION_MEMORY_PURGE>,
  ): Promise<{ removed: number }> {
    const removed = await this.memory.purge({
      accountId: req.userId,
      ...(req.glossaryId ? { glossaryId: req.glossaryId } : {}),
    });
    return { removed };
  }

  @RpcHandler(RPC.TRANSLATION_MEMORY_EXPORT)
  async export(
    @Payload() req: RpcPayload<typeof RPC.TRANSLATION_MEMORY_EXPORT>,
  ): Promise<{ tmx: string }> {
    const tmx = await exportTmx(this.memory, req.userId);
    if (tmx.length > TMX_MAX_CHARS)
      throw new DocatError(
        'PAYLOAD_TOO_LARGE',
        'the translation memory is too large to export in one document',
      );
    return { tmx };
  }

  /** Imported entries always belong to the caller, whatever account the file names. */
  @RpcHandler(RPC.TRANSLATION_MEMORY_IMPORT)
  import(
    @Payload() req: RpcPayload<typeof RPC.TRANSLATION_MEMORY_IMPORT>,
  ): Promise<{ imported: number; skipped: number }> {
    return importTmx(this.memory, req.tmx, { accountId: req.userId, maxBytes: TMX_MAX_CHARS });
  }
}
