import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  DocatError,
  encodeJobCursor,
  RPC,
  RPC_CONTRACTS,
  type JobList,
  type JobView,
  type ResultLocation,
  type StoredUpload,
} from '@docat/contracts';
import { parseOrThrow, STORAGE, type ObjectStorage } from '@docat/service-kit';

export interface StubJob {
  userId: string;
  view: JobView;
  upload: StoredUpload;
  idempotencyKey?: string;
  requestId?: string;
}

/** What the stub saw, for tests to assert on. */
export interface IngestionStubState {
  jobs: Map<string, StubJob>;
}

const STATE = Symbol('INGESTION_STUB_STATE');

export const STUB_RESULT_TEXT =
  '# [Ţĥé Þšéûðö Ŧîţłé]\n\nPseudo-translated by the stub ingestion.\n';

/**
 * A stand-in for the ingestion service answering `jobs.*` over the real transport, for
 * gateway tests and the upload benchmark: every job completes at once with a small
 * Markdown result in storage. It enforces ownership as ingestion does (another user's
 * job is NOT_FOUND) and checks that the upload really is in storage.
 */
@Controller()
class IngestionStubController {
  constructor(
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(STATE) private readonly state: IngestionStubState,
  ) {}

  @MessagePattern(RPC.JOBS_CREATE)
  async create(@Payload() data: unknown): Promise<JobView> {
    const request = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_CREATE].request, data);
    if (request.idempotencyKey) {
      for (const job of this.state.jobs.values()) {
        if (job.userId === request.userId && job.idempotencyKey === request.idempotencyKey)
          return job.view;
      }
    }
    const head = await this.storage.head(request.upload.storageKey);
    if (!head || head.bytes !== request.upload.bytes)
      throw new DocatError('INTERNAL', 'upload missing from storage');
    const id = request.upload.storageKey.slice('uploads/'.length);
    const now = new Date().toISOString();
    const view: JobView = {
      id,
      state: 'completed',
      stage: 'done',
      progress: { percent: 100, stages: {} },
      file: {
        name: request.upload.fileName,
        bytes: request.upload.bytes,
        ...(request.upload.sha256 ? { sha256: request.upload.sha256 } : {}),
      },
      targetLanguage: request.options.targetLanguage,
      engine: request.engine.engine,
      outputs: request.options.outputs,
      dualMode: request.options.dualMode,
      billedCharacters: 0,
      cached: false,
      warnings: [],
      createdAt: now,
      updatedAt: now,
      completedAt: now,
    };
    await this.storage.put(`results/${id}/result.md`, Buffer.from(STUB_RESULT_TEXT, 'utf8'), {
      contentType: 'text/markdown; charset=utf-8',
    });
    this.state.jobs.set(id, {
      userId: request.userId,
      view,
      upload: request.upload,
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
    });
    return view;
  }

  @MessagePattern(RPC.JOBS_GET)
  get(@Payload() data: unknown): JobView {
    const { userId, jobId } = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_GET].request, data);
    return this.owned(userId, jobId).view;
  }

  @MessagePattern(RPC.JOBS_LIST)
  list(@Payload() data: unknown): JobList {
    const { userId, limit } = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_LIST].request, data);
    const mine = [...this.state.jobs.values()]
      .filter((job) => job.userId === userId)
      .map((job) => job.view);
    mine.sort((a, b) => (a.id < b.id ? 1 : -1));
    const items = mine.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        mine.length > limit && last
          ? encodeJobCursor({ createdAt: last.createdAt, id: last.id })
          : null,
    };
  }

  @MessagePattern(RPC.JOBS_CANCEL)
  cancel(@Payload() data: unknown): JobView {
    const { userId, jobId } = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_CANCEL].request, data);
    const job = this.owned(userId, jobId);
    if (job.view.state === 'completed') throw new DocatError('JOB_ALREADY_FINISHED');
    return job.view;
  }

  @MessagePattern(RPC.JOBS_RESULT)
  async result(@Payload() data: unknown): Promise<ResultLocation> {
    const { userId, jobId, format } = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_RESULT].request, data);
    const job = this.owned(userId, jobId);
    if (format !== 'md') throw new DocatError('RESULT_NOT_AVAILABLE');
    const storageKey = `results/${jobId}/result.md`;
    const info = await this.storage.head(storageKey);
    if (!info) throw new DocatError('RESULT_NOT_AVAILABLE');
    return {
      storageKey,
      bytes: info.bytes,
      etag: info.etag ?? `${jobId}-md`,
      contentType: 'text/markdown; charset=utf-8',
      fileName: job.view.file.name.replace(/\.pdf$/i, '') + '.md',
    };
  }

  private owned(userId: string, jobId: string): StubJob {
    const job = this.state.jobs.get(jobId);
    if (!job || job.userId !== userId) throw new DocatError('NOT_FOUND');
    return job;
  }
}

@Module({})
export class IngestionStubModule {
  static register(state: IngestionStubState): DynamicModule {
    return {
      module: IngestionStubModule,
      controllers: [IngestionStubController],
      providers: [{ provide: STATE, useValue: state }],
    };
  }
}

export const INGESTION_STUB_PATTERNS = [
  RPC.JOBS_CREATE,
  RPC.JOBS_GET,
  RPC.JOBS_LIST,
  RPC.JOBS_CANCEL,
  RPC.JOBS_RESULT,
] as const;
