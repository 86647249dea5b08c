import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DocatError, RPC, RPC_CONTRACTS, TMX_MAX_CHARS } from '@docat/contracts';
import { exportTmx, importTmx, type TranslationMemory } from '@docat/translate';
import { parseOrThrow } from '@docat/service-kit';
import { TRANSLATION_MEMORY } from '../translate/translation-engine.providers.js';

/** An account's own translation memory: purge (all, or one glossary's), TMX export and import. */
@Controller()
export class MemoryAdminController {
  constructor(@Inject(TRANSLATION_MEMORY) private readonly memory: TranslationMemory) {}

  @MessagePattern(RPC.TRANSLATION_MEMORY_PURGE)
  async purge(@Payload() data: unknown): Promise<{ removed: number }> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_PURGE].request, data);
    const removed = await this.memory.purge({
      accountId: req.userId,
      ...(req.glossaryId ? { glossaryId: req.glossaryId } : {}),
    });
    return { removed };
  }

  @MessagePattern(RPC.TRANSLATION_MEMORY_EXPORT)
  async export(@Payload() data: unknown): Promise<{ tmx: string }> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_EXPORT].request, data);
    const tmx = await exportTmx(this.memory, req.userId);
    if (tmx.length > TMX_MAX_CHARS)
      throw new DocatError(
        'PAYLOAD_TOO_LARGE',
        'the translation memory is too large to export in one document',
      );
    return { tmx };
  }

  /** Imported entries always belong to the caller, whatever account the file names. */
  @MessagePattern(RPC.TRANSLATION_MEMORY_IMPORT)
  import(@Payload() data: unknown): Promise<{ imported: number; skipped: number }> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_IMPORT].request, data);
    return importTmx(this.memory, req.tmx, { accountId: req.userId, maxBytes: TMX_MAX_CHARS });
  }
}
