import { decryptSecret, encryptSecret, SecretDecryptionError, type Keyring } from './encryption.js';

/**
 * The one rule for a PDF's password between the upload and the step that opens the
 * file: the gateway seals it with the platform key as soon as the form is read, the
 * sealed blob is all that crosses the bus, is stored with the job and rides on its
 * queue jobs, and only code about to open the PDF unseals it. The blob is bound to the
 * upload's storage key, so it cannot be replayed against another file.
 */
export function pdfPasswordContext(sourceKey: string): string {
  return `pdf-password:${sourceKey}`;
}

export function sealPdfPassword(keyring: Keyring, password: string, sourceKey: string): string {
  return encryptSecret(keyring, password, pdfPasswordContext(sourceKey));
}

/**
 * The password of a sealed blob. `jobId` opens blobs of jobs created before sealing moved
 * to the gateway (bound to the job id then); they live at most as long as such a job.
 */
export function openPdfPassword(
  keyring: Keyring,
  blob: string,
  sourceKey: string,
  jobId?: string,
): string {
  try {
    return decryptSecret(keyring, blob, pdfPasswordContext(sourceKey));
  } catch (err) {
    if (jobId === undefined || !(err instanceof SecretDecryptionError) || err.reason !== 'tampered')
      throw err;
    return decryptSecret(keyring, blob, jobId);
  }
}
