import 'reflect-metadata';
import { mailOutboxFile } from '@docat/auth';
import { ConfigError, loadConfig } from '@docat/config';
import { SchemaVersionError } from '@docat/database';
import { setupLogging } from '@docat/service-kit';
import { defaultEngineLine, defaultEngineWarning, engineEnv } from '@docat/translation';
import { DataFolderLockedError } from './data-folder.lock.js';
import { HumanLogSink, humanLog } from './human-log.js';
import { startStandalone } from './standalone.app.js';

process.title = 'docat';
const startedAt = performance.now();
try {
  const config = loadConfig();
  // In a terminal a person reads the ready block, then warnings and errors one line each;
  // the JSON log (every request, every module's start-up) is for a pipe or a collector.
  const human = humanLog(config.logFormat, process.stdout.isTTY === true);
  const sink = human ? new HumanLogSink((text) => process.stderr.write(text)) : undefined;
  if (sink)
    setupLogging({ service: 'standalone', level: config.logLevel, destination: sink.destination });
  const app = await startStandalone({ config });
  // The lines a person starting the server reads: where it is, where its data is, which engine translates.
  process.stdout.write(
    `docat standalone ready on http://127.0.0.1:${app.port} in ${Math.round(performance.now() - startedAt)} ms\n` +
      `  web app: http://127.0.0.1:${app.port}/   API reference: http://127.0.0.1:${app.port}/docs\n` +
      `  data folder: ${config.dataDir}\n` +
      // Without SMTP the sign-up and password links are only in the outbox file: say where.
      (config.accounts.mail.smtpUrl
        ? ''
        : `  account mails (sign-up and password links): ${mailOutboxFile(config.dataDir)}, as MAIL_SMTP_URL is not set\n`) +
      `  ${defaultEngineLine(engineEnv(config.translation))}\n` +
      (sink
        ? `  log: warnings and errors only (${sink.hidden} start-up lines left out); LOG_FORMAT=json writes the full JSON log\n`
        : ''),
  );
  // Checked after the ready line, so a slow provider never delays the start.
  void defaultEngineWarning(engineEnv(config.translation)).then((warning) => {
    if (warning) process.stdout.write(`  ${warning}\n`);
  });
  const stop = (signal: NodeJS.Signals) => {
    void app.shutdown(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  // Expected refusals get one clear line; anything else its stack.
  const expected =
    err instanceof DataFolderLockedError ||
    err instanceof ConfigError ||
    err instanceof SchemaVersionError ||
    (err instanceof Error && err.name === 'NewerDataError');
  const text = expected
    ? err.message
    : err instanceof Error
      ? (err.stack ?? err.message)
      : String(err);
  process.stderr.write(`docat: ${text}\n`);
  process.exit(1);
}
