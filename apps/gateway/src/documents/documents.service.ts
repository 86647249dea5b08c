import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Multipart } from '@fastify/multipart';
import {
  DocatError,
  RPC,
  uploadOptionsSchema,
  type DryRun,
  type EngineChoice,
  type EnvelopeContext,
  type JobView,
  type StoredUpload,
  type UploadOptions,
} from '@docat/contracts';
import { uploadBytes } from '@docat/observability';
import { sealPdfPassword, type DocatConfig } from '@docat/config';
import {
  CONFIG,
  KEYRING,
  KeyringSource,
  parseOrThrow,
  STORAGE,
  type ObjectStorage,
} from '@docat/service-kit';
import { checkWebhookUrl } from '@docat/webhooks';
import { ServicesClient } from '../rpc/services.client.js';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../gateway.settings.js';
import { cleanFileName } from './file-name.js';
import { storeUpload, type StoredFile } from './upload.store.js';

/** The multipart field that carries the PDF. */
export const FILE_FIELD = 'file';

type ReceivedFile = StoredFile & { fileName: string };

/** The stored upload as `jobs.create` and `jobs.estimate` take it. */
function uploadOf(stored: ReceivedFile): StoredUpload {
  return {
    storageKey: stored.storageKey,
    bytes: stored.bytes,
    fileName: stored.fileName,
    sha256: stored.sha256,
    ...(stored.declaredPages === undefined ? {} : { declaredPages: stored.declaredPages }),
  };
}

interface UploadRequest {
  userId: string;
  parts: AsyncIterable<Multipart>;
  idempotencyKey?: string;
  context: EnvelopeContext;
}

/**
 * `POST /v1/documents`. The form fields may come before or after the file part: the
 * file is streamed to storage as it arrives either way, and the options are validated
 * once the body has ended. Anything refused before ingestion accepted the job deletes
 * the stored upload; once `jobs.create` was sent the upload belongs to ingestion (a
 * timed-out call may still have created the job), and an unused one expires with the
 * uploads retention.
 */
@Injectable()
export class DocumentsService {
  private readonly logger = new Logger('Documents');

  constructor(
    private readonly services: ServicesClient,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
    @Inject(CONFIG) private readonly config: DocatConfig,
    @Inject(KEYRING) private readonly keyring: KeyringSource,
  ) {}

  async upload(request: UploadRequest): Promise<JobView> {
    const { stored, options, engine } = await this.receive(request.parts, request.context);
    uploadBytes.inc(stored.bytes);
    const job = await this.services.call(
      RPC.JOBS_CREATE,
      {
        userId: request.userId,
        upload: uploadOf(stored),
        ...(await this.sealed(options, stored.storageKey)),
        engine,
        ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
      },
      request.context,
      // The reservation; the full probe too when the page tree could not be read cheaply.
      90_000,
    );
    if (options.webhookUrl) {
      // The job exists now: a failure here must not make the client retry the upload.
      await this.services
        .call(
          RPC.NOTIFY_JOB_WEBHOOK,
          { userId: request.userId, jobId: job.id, url: options.webhookUrl },
          request.context,
        )
        .catch((err: unknown) =>
          this.logger.warn(
            `webhook of job ${job.id} not registered: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
    }
    return job;
  }

  /**
   * `?dryRun=true`: the upload is stored only for the probe, which ingestion runs in the
   * PDF sandbox, and deleted before the answer, whatever it is. No job is created.
   */
  async estimate(request: Omit<UploadRequest, 'idempotencyKey'>): Promise<DryRun> {
    const { stored, options, engine } = await this.receive(request.parts, request.context);
    try {
      return await this.services.call(
        RPC.JOBS_ESTIMATE,
        {
          userId: request.userId,
          upload: uploadOf(stored),
          ...(await this.sealed(options, stored.storageKey)),
          engine,
        },
        request.context,
        60_000,
      );
    } finally {
      // An upload left behind is swept by retention; the answer the client waits for matters more.
      await this.storage.delete(stored.storageKey).catch(() => undefined);
    }
  }

  /**
   * The options as they go on the bus: a PDF password leaves the gateway only sealed with
   * the platform key, bound to this upload (see `sealPdfPassword`).
   */
  private async sealed(
    options: UploadOptions,
    storageKey: string,
  ): Promise<{ options: Omit<UploadOptions, 'password'>; passwordSecret?: string }> {
    const { password, ...rest } = options;
    if (password === undefined) return { options: rest };
    return {
      options: rest,
      passwordSecret: sealPdfPassword(await this.keyring.get(), password, storageKey),
    };
  }

  /**
   * The job's engine, resolved by the translation service (the one rule: the engine named,
   * else DEFAULT_ENGINE, else the first configured...), which also refuses languages the
   * engine cannot do. It runs as soon as the options are known: while the file is stored
   * when the form fields come first, as browsers and curl send them.
   */
  private resolveEngine(options: UploadOptions, context: EnvelopeContext): Promise<EngineChoice> {
    return this.services.call(
      RPC.TRANSLATION_RESOLVE_ENGINE,
      {
        targetLanguage: options.targetLanguage,
        ...(options.sourceLanguage ? { sourceLanguage: options.sourceLanguage } : {}),
        ...(options.engine ? { engine: options.engine } : {}),
      },
      context,
    );
  }

  private async receive(
    parts: AsyncIterable<Multipart>,
    context: EnvelopeContext,
  ): Promise<{ stored: ReceivedFile; options: UploadOptions; engine: EngineChoice }> {
    const fields: Record<string, string> = {};
    let stored: ReceivedFile | null = null;
    let early: { options: UploadOptions; engine: EngineChoice } | undefined;
    try {
      for await (const part of parts) {
        if (part.type === 'file') {
          if (part.fieldname !== FILE_FIELD || stored) {
            part.file.resume();
            throw new DocatError(
              'VALIDATION_FAILED',
              `Send exactly one file, in the '${FILE_FIELD}' field`,
            );
          }
          const before = uploadOptionsSchema.safeParse(fields);
          // The engine is resolved while the file streams to storage, not before: a refusal
          // stops the stream (and deletes what was stored), an answer costs no extra time.
          const resolving = before.success
            ? this.resolveEngine(before.data, context).catch((error: unknown) => {
                part.file.destroy(error instanceof Error ? error : new Error(String(error)));
                throw error;
              })
            : undefined;
          const [engine, file] = await Promise.allSettled([
            resolving,
            storeUpload(this.storage, part.file, this.settings.maxUploadBytes),
          ]);
          if (engine.status === 'rejected') {
            if (file.status === 'fulfilled')
              await this.storage.delete(file.value.storageKey).catch(() => undefined);
            throw engine.reason;
          }
          if (file.status === 'rejected') throw file.reason;
          if (before.success && engine.value)
            early = { options: before.data, engine: engine.value };
          stored = { ...file.value, fileName: cleanFileName(part.filename) };
        } else {
          if (Object.hasOwn(fields, part.fieldname)) {
            throw new DocatError(
              'VALIDATION_FAILED',
              `The field '${part.fieldname}' is sent twice`,
            );
          }
          if (part.valueTruncated)
            throw new DocatError('VALIDATION_FAILED', `The field '${part.fieldname}' is too long`);
          fields[part.fieldname] = String(part.value);
        }
      }
      if (!stored) throw new DocatError('VALIDATION_FAILED', `The '${FILE_FIELD}' part is missing`);
      const options = parseOrThrow(uploadOptionsSchema, fields);
      // Fields after the file can change the options: resolve again unless nothing changed.
      const engine =
        early && JSON.stringify(early.options) === JSON.stringify(options)
          ? early.engine
          : await this.resolveEngine(options, context);
      // A webhook URL naming a private or metadata address is refused with the upload.
      if (options.webhookUrl)
        await checkWebhookUrl(options.webhookUrl, {
          allowedHosts: this.settings.webhookAllowedHosts,
        });
      return { stored, options, engine };
    } catch (error) {
      // An upload left behind is swept by retention; the answer the client waits for matters more.
      if (stored) await this.storage.delete(stored.storageKey).catch(() => undefined);
      throw error;
    }
  }
}
