import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DocatError, RPC, type GlossaryDetail, type GlossaryView } from '@docat/contracts';
import {
  createGlossary,
  glossaryFromEntries,
  parseGlossaryCsv,
  type TranslationMemory,
} from '@docat/translate';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
import { TRANSLATION_MEMORY } from '../translate/translation-engine.providers.js';
import { GlossariesRepository } from './glossaries.repository.js';

/** Glossary CRUD for the gateway. Another account's glossary answers NOT_FOUND, like a missing one. */
@Controller()
export class GlossariesController {
  constructor(
    private readonly glossaries: GlossariesRepository,
    @Inject(TRANSLATION_MEMORY) private readonly memory: TranslationMemory,
  ) {}

  @RpcHandler(RPC.TRANSLATION_GLOSSARY_CREATE)
  create(
    @Payload() req: RpcPayload<typeof RPC.TRANSLATION_GLOSSARY_CREATE>,
  ): Promise<GlossaryView> {
    const glossary = parseGlossaryCsv(req.csv, {
      source: req.sourceLanguage,
      target: req.targetLanguage,
    });
    return this.glossaries.create(req.userId, req.name, glossary);
  }

  @RpcHandler(RPC.TRANSLATION_GLOSSARY_LIST)
  async list(
    @Payload() req: RpcPayload<typeof RPC.TRANSLATION_GLOSSARY_LIST>,
  ): Promise<{ items: GlossaryView[] }> {
    return { items: await this.glossaries.list(req.userId) };
  }

  @RpcHandler(RPC.TRANSLATION_GLOSSARY_GET)
  async get(
    @Payload() req: RpcPayload<typeof RPC.TRANSLATION_GLOSSARY_GET>,
  ): Promise<GlossaryDetail> {
    const found = await this.glossaries.get(req.userId, req.id);
    if (!found) throw new DocatError('NOT_FOUND', 'glossary not found');
    return found;
  }

  /**
   * Each given field replaces the stored one; terms come as a CSV re-import or as the edited
   * list. When the content changes, so does the version, and the translation memory made
   * with the old content goes: memory keys hold the version, so it would never be served again.
   */
  @RpcHandler(RPC.TRANSLATION_GLOSSARY_UPDATE)
  async update(
    @Payload() req: RpcPayload<typeof RPC.TRANSLATION_GLOSSARY_UPDATE>,
  ): Promise<GlossaryView> {
    const current = await this.glossaries.get(req.userId, req.id);
    if (!current) throw new DocatError('NOT_FOUND', 'glossary not found');
    const pair = {
      source: req.sourceLanguage ?? current.sourceLanguage,
      target: req.targetLanguage ?? current.targetLanguage,
    };
    const glossary =
      req.csv !== undefined
        ? parseGlossaryCsv(req.csv, pair)
        : req.entries !== undefined
          ? glossaryFromEntries(req.entries, pair)
          : createGlossary(pair, current.entries);
    const updated = await this.glossaries.update(
      req.userId,
      req.id,
      req.name ?? current.name,
      glossary,
    );
    if (!updated) throw new DocatError('NOT_FOUND', 'glossary not found');
    if (updated.version !== current.version)
      await this.memory.purge({ accountId: req.userId, glossaryId: req.id });
    return updated;
  }

  /** Translations made with the glossary go with it: they would never be served again anyway. */
  @RpcHandler(RPC.TRANSLATION_GLOSSARY_DELETE)
  async delete(
    @Payload() req: RpcPayload<typeof RPC.TRANSLATION_GLOSSARY_DELETE>,
  ): Promise<{ ok: true }> {
    if (!(await this.glossaries.delete(req.userId, req.id)))
      throw new DocatError('NOT_FOUND', 'glossary not found');
    await this.memory.purge({ accountId: req.userId, glossaryId: req.id });
    return { ok: true };
  }
}
