/**
 * The ports a service module works against, re-exported so a module depends on this
 * kit only.
 */
export type { BusClient, CallOptions, EmitOptions } from '@docat/transport';
export type { EnqueueOptions, QueueDepth, QueueJob, QueuePort, WorkOptions } from '@docat/queue';
export type { ObjectInfo, ObjectStorage, PutOptions, ByteRange } from '@docat/storage';
