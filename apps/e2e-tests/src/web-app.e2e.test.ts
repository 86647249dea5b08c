import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, FileChooser, Page } from 'playwright-core';
import { BROWSER_SESSION } from '@docat/contracts';
import {
  corpusFile,
  E2E_ADMIN,
  requireAll,
  requireCorpus,
  requireTools,
  useCluster,
  type ClusterLease,
} from '@docat/testing';
import {
  Artefacts,
  DESKTOP,
  PHONE,
  launchChromium,
  watchPageErrors,
  type AxeViolation,
} from './web-browser.js';

const req = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('chromium', 'pdfinfo'));

/** Waits for one of the app's page headings (each page moves focus to its h1). */
async function heading(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text }).waitFor({ timeout: 15_000 });
}

/** Moves the focus with Tab until the element with this id has it (the keyboard-only path). */
async function tabTo(page: Page, id: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate('document.activeElement?.id')) === id) return;
  }
  throw new Error(`#${id} never received the focus from Tab`);
}

function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes}× ${v.targets.join(' ')})`)
    .join('\n');
}

describe('web app in a real browser', { skip: req.skip }, () => {
  let lease: ClusterLease;
  let base: string;
  let browser: Browser;
  let artefacts: Artefacts;
  let user: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const email = `web-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.com`;
  const password = `pw-${randomBytes(8).toString('hex')}`;

  /** Axe on the page as it stands (0 serious or critical), then screenshots at 1280 and 375 px. */
  async function look(name: string, target: Page = page): Promise<void> {
    const serious = await artefacts.check(target, name);
    await artefacts.shootBoth(target, name);
    assert.deepEqual(serious, [], `axe on ${name}:\n${describeViolations(serious)}`);
  }

  before(async () => {
    lease = await useCluster();
    base = lease.cluster.gateways[0]!;
    artefacts = new Artefacts(lease.cluster.target);
    browser = await launchChromium();
    user = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    watchPageErrors(user, problems);
    page = await user.newPage();
  });

  after(async () => {
    artefacts?.save();
    await browser?.close();
    await lease?.release();
  });

  test('the app shell: served at / with the app CSP and immutable assets, quickly', async (t) => {
    const shell = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    assert.equal(shell.status, 200);
    const csp = shell.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(shell.headers.get('cache-control'), 'no-cache');
    const html = await shell.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'the shell names its hashed script');
    const asset = await fetch(`${base}${script}`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    // A client route is the shell too; an unknown API path stays problem+json.
    const deep = await fetch(`${base}/reset-password?token=x`, {
      headers: { accept: 'text/html' },
    });
    assert.equal(deep.status, 200);
    assert.match(deep.headers.get('content-type') ?? '', /text\/html/);
    const api = await fetch(`${base}/v1/no-such-route`, { headers: { accept: 'text/html' } });
    assert.equal(api.status, 404);
    assert.match(api.headers.get('content-type') ?? '', /problem\+json/);

    const cold = await browser.newContext({ viewport: DESKTOP });
    watchPageErrors(cold, problems);
    const fresh = await cold.newPage();
    const started = performance.now();
    await fresh.goto(`${base}/sign-in`);
    await heading(fresh, 'Sign in');
    const shown = performance.now() - started;
    const load = Number(
      await fresh.evaluate(
        `(() => { const [nav] = performance.getEntriesByType('navigation'); return nav ? nav.loadEventEnd - nav.startTime : -1; })()`,
      ),
    );
    await cold.close();
    artefacts.timings.shellToSignInHeadingMs = Math.round(shown);
    artefacts.timings.shellLoadEventMs = Math.round(load);
    t.diagnostic(
      `app shell: load event ${Math.round(load)} ms, sign-in form shown ${Math.round(shown)} ms (cold cache); artefacts in ${artefacts.dir}`,
    );
  });

  test('a new user signs up, signs in with the keyboard, and a reload keeps the session', async () => {
    await page.goto(`${base}/`);
    await heading(page, 'Sign in');
    await look('sign-in');
    await page.getByRole('link', { name: 'Sign up' }).first().click();
    await heading(page, 'Create an account');
    await look('sign-up');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    // 202, the same for a new and a taken address: "check your inbox".
    await heading(page, 'Check your inbox');
    await look('sign-up-done');

    await page.getByRole('link', { name: 'Sign in' }).last().click();
    await heading(page, 'Sign in');
    assert.equal(await page.getByLabel('Email').inputValue(), email, 'the address carries over');
    // A wrong password says what to check, in words.
    await page.getByLabel('Password').fill(`${password}-wrong`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .getByText('The email or password is wrong. Check both, or reset your password.')
      .waitFor({ timeout: 15_000 });
    await look('sign-in-wrong-password');
    await page.getByLabel('Password').fill('');
    await tabTo(page, 'password');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await heading(page, 'Translate a PDF');

    const refresh = (await user.cookies()).find((c) => c.name === BROWSER_SESSION.refreshCookie);
    assert.ok(refresh, 'the refresh cookie is set');
    assert.equal(refresh.httpOnly, true);
    assert.equal(refresh.secure, true);
    assert.equal(refresh.sameSite, 'Strict');
    assert.equal(refresh.path, BROWSER_SESSION.path);
    assert.equal(
      (await user.cookies(`${base}/v1/jobs`)).some((c) => c.name === BROWSER_SESSION.refreshCookie),
      false,
      'no other route receives it',
    );
    assert.equal(
      await page.evaluate(
        `document.cookie.includes(${JSON.stringify(BROWSER_SESSION.refreshCookie)})`,
      ),
      false,
      'scripts cannot read it',
    );

    await page.reload();
    await heading(page, 'Translate a PDF');
    assert.ok(
      await page.getByText(email).first().isVisible(),
      'signed in again from the cookie after a reload',
    );
  });

  test('a file that cannot be translated is refused with what to do: not a PDF, a renamed file, over the limit', async () => {
    await page.goto(`${base}/`);
    await heading(page, 'Translate a PDF');
    await page.setInputFiles('#files', {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('hello'),
    });
    await page.getByText('Only PDF files can be translated: notes.txt left out.').waitFor();
    // Named .pdf, but not one: the gateway's check, its detail a sentence of its own.
    await page.setInputFiles('#files', {
      name: 'renamed.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('this is not a PDF'),
    });
    await page.getByRole('button', { name: 'Estimate the cost' }).click();
    await page
      .getByText(
        /This file is not a PDF\. Export or print it to PDF first, then upload that\. The file does not start with a PDF header\./u,
      )
      .waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Clear' }).click();
    // Over the server's 50 MB limit (GET /v1/limits): left out at once, its size reading over
    // 50 MB too (decimal units, as the limit is stated), before any byte is sent.
    // From a file: a browser takes no buffer this large over the DevTools protocol.
    await page.getByText(/Up to 50 MB and [\d,]+ pages per file\./u).waitFor();
    const big = Buffer.alloc(51_000_000, 0x20);
    big.write('%PDF-1.7\n');
    const bigFile = join(mkdtempSync(join(tmpdir(), 'docat-web-')), 'big.pdf');
    writeFileSync(bigFile, big);
    await page.setInputFiles('#files', bigFile);
    await page
      .getByText("Larger than this server's limit of 50 MB: big.pdf (51.0 MB) left out.")
      .waitFor();
    await look('upload-refused');
    rmSync(dirname(bigFile), { recursive: true, force: true });
  });

  let jobUrl = '';

  test('upload tracemonkey, see the estimate, follow the progress, view it side by side, download the translation', async (t) => {
    await look('upload-empty');
    // The file picker by keyboard: focus it and press Space. A render of the form between
    // the focus and the key (the engines list arriving) can take the focus away: the key is
    // then pressed again on the picker, never clicked.
    let chooser: FileChooser | undefined;
    for (let attempt = 1; !chooser; attempt++) {
      await page.locator('#files').focus();
      [chooser] = await Promise.all([
        page
          .waitForEvent('filechooser', { timeout: attempt < 3 ? 10_000 : 30_000 })
          .catch((error: unknown) => {
            if (attempt >= 3) throw error;
            return undefined;
          }),
        page.keyboard.press('Space'),
      ]);
    }
    await chooser.setFiles(corpusFile('tracemonkey.pdf'));
    await page.getByText('tracemonkey.pdf').waitFor();
    await page.getByRole('button', { name: 'Estimate the cost' }).click();
    await page.getByText(/of 14 pages/).waitFor({ timeout: 30_000 });
    await look('upload-estimate');

    const uploadedAt = performance.now();
    await page.getByRole('button', { name: 'Translate it' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    jobUrl = page.url();
    await heading(page, 'tracemonkey.pdf');
    // Live progress over SSE: a screenshot once some of it shows (a fast job may finish first).
    const moving = await page
      .getByText(/^[1-9][0-9]?% done$/)
      .waitFor({ timeout: 90_000 })
      .then(
        () => true,
        () => false,
      );
    if (moving) await artefacts.shootBoth(page, 'job-progress');

    // Finished: the side-by-side viewer draws the first translated page.
    await page.getByRole('heading', { name: 'Compare' }).waitFor({ timeout: 180_000 });
    artefacts.timings.uploadToCompletedShownMs = Math.round(performance.now() - uploadedAt);
    const firstTranslated = page.getByRole('img', { name: 'Translation, page 1' });
    await firstTranslated.and(page.locator('[data-rendered="true"]')).waitFor({ timeout: 60_000 });
    const firstPageMs = performance.now() - uploadedAt;
    artefacts.timings.uploadToFirstTranslatedPageMs = Math.round(firstPageMs);
    await page
      .getByRole('img', { name: 'Original, page 1' })
      .and(page.locator('[data-rendered="true"]'))
      .waitFor({ timeout: 30_000 });
    t.diagnostic(
      `tracemonkey (14 pages): upload to first translated page shown ${Math.round(firstPageMs)} ms`,
    );
    await look('job-viewer');

    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Go to page 5' }).click();
    await page
      .getByRole('img', { name: 'Translation, page 5' })
      .and(page.locator('[data-rendered="true"]'))
      .waitFor({ timeout: 30_000 });
    // The thumbnails mark the page in view.
    await page
      .locator('button[aria-label="Go to page 5"][aria-current="page"]')
      .waitFor({ timeout: 5_000 })
      .catch(() => assert.fail('the thumbnail of page 5 is marked as the page in view'));
    assert.equal(await page.locator('.thumbs [aria-current="page"]').count(), 1);
    await artefacts.shoot(page, 'job-viewer-zoomed-page5-1280');
    await page.getByRole('button', { name: 'Fit the width' }).click();
    await page.getByRole('button', { name: 'Bilingual PDF', exact: true }).click();
    await page
      .getByRole('img', { name: 'Bilingual page 1' })
      .and(page.locator('[data-rendered="true"]'))
      .waitFor({ timeout: 60_000 });
    await look('job-viewer-bilingual');

    // At 375 px one pane at a time: the toggle switches it, keeping the page in view and the zoom.
    const drawn = (name: string) =>
      page.getByRole('img', { name, exact: true }).and(page.locator('[data-rendered="true"]'));
    await page.setViewportSize(PHONE);
    // The resize reaches the page's layout a moment later: wait for the fold, up to 5 s.
    await page
      .getByRole('navigation', { name: 'Pages' })
      .waitFor({ state: 'hidden', timeout: 5_000 })
      .catch(() => assert.fail('thumbnails fold away at 375 px'));
    // The view switch stays inside its card at 375 px.
    const fits = (await page.evaluate(`(() => {
      const group = document.querySelector('[role=group][aria-label=View]').getBoundingClientRect();
      const card = document.querySelector('section.viewer').getBoundingClientRect();
      return group.right <= card.right && group.left >= card.left;
    })()`)) as boolean;
    assert.ok(fits, 'the view switch overflows its card at 375 px');
    await page.getByRole('button', { name: 'Translation', exact: true }).click();
    await drawn('Translation, page 1').waitFor({ timeout: 60_000 });
    assert.equal(
      await page.getByRole('img', { name: 'Original, page 1' }).count(),
      0,
      'one pane at a time',
    );
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Pages', exact: true }).click();
    await page.getByRole('button', { name: 'Go to page 3' }).click();
    await drawn('Translation, page 3').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Original', exact: true }).click();
    await drawn('Original, page 3').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByRole('img', { name: 'Translation, page 3' }).count(), 0);
    await page.getByText('125% of the width').waitFor();
    const shown = await page.getByRole('img', { name: 'Original, page 3' }).boundingBox();
    assert.ok(
      shown && shown.width > PHONE.width * 0.9,
      `one pane fills the width: ${JSON.stringify(shown)}`,
    );
    assert.ok(
      shown.y < PHONE.height && shown.y + shown.height > 0,
      `the page stays in view across the switch: ${JSON.stringify(shown)}`,
    );
    const narrowSerious = await artefacts.check(page, 'job-viewer-375');
    await artefacts.shoot(page, 'job-viewer-original-page3-375');
    assert.deepEqual(
      narrowSerious,
      [],
      `axe on the viewer at 375 px:\n${describeViolations(narrowSerious)}`,
    );
    await page.getByRole('button', { name: 'Fit the width' }).click();
    await page.setViewportSize(DESKTOP);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download Translated PDF' }).click(),
    ]);
    const saved = join(artefacts.dir, download.suggestedFilename());
    await download.saveAs(saved);
    assert.equal(readFileSync(saved).subarray(0, 5).toString('latin1'), '%PDF-');
    const info = execFileSync('pdfinfo', [saved], { encoding: 'utf8' });
    assert.match(info, /^Pages:\s+14$/m, 'the translated PDF has the 14 pages of tracemonkey');

    // The job's fidelity summary, and its full report as a download.
    await page.getByRole('heading', { name: 'Fidelity' }).waitFor();
    await page.getByText(/% of [\d,]+ prose words translated/).waitFor();
    const [report] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the fidelity report (JSON)' }).click(),
    ]);
    assert.match(report.suggestedFilename(), /^tracemonkey\.[\w-]+\.report\.json$/);
  });

  test('history lists the job, filters by state and searches by file name', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'History' })
      .click();
    await heading(page, 'History');
    const row = page.getByRole('row').filter({ hasText: 'tracemonkey.pdf' });
    await row.first().waitFor();
    assert.match((await row.first().textContent()) ?? '', /Completed/);
    await look('history');
    await page.getByLabel('State').selectOption('failed');
    await page.getByText('No jobs match').waitFor();
    await page.getByLabel('State').selectOption('completed');
    await page.getByLabel('File name').fill('TRACE');
    await page.getByRole('button', { name: 'Search' }).click();
    await row.first().waitFor();
    await page.getByLabel('File name').fill('no-such-file');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No jobs match').waitFor();
    await page
      .getByRole('row')
      .filter({ hasText: 'tracemonkey.pdf' })
      .first()
      .waitFor({ state: 'detached' });
    await page.goto(jobUrl);
    await heading(page, 'tracemonkey.pdf');
  });

  test('an API key is created, shown once, works, and stops working when revoked', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Account' })
      .click();
    await heading(page, 'Account');
    await look('account');
    await page.getByRole('link', { name: 'API keys' }).click();
    await heading(page, 'API keys');
    await page.getByLabel('Name').fill('browser test');
    await page.getByRole('button', { name: 'Create a key' }).click();
    const key = await page.getByLabel('Key “browser test”').inputValue();
    assert.match(key, /^dk_[A-Za-z0-9_-]{43}$/);
    await look('api-keys-created');
    const me = await fetch(`${base}/v1/me`, { headers: { 'x-api-key': key } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { email: string }).email, email);

    await page.getByRole('button', { name: /^Revoke browser test/ }).click();
    await page.getByRole('row').filter({ hasText: 'browser test' }).waitFor({ state: 'detached' });
    let status = 200;
    for (let i = 0; i < 30 && status === 200; i++) {
      status = (await fetch(`${base}/v1/me`, { headers: { 'x-api-key': key } })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 401, 'a revoked key is refused');
  });

  test('a glossary is created, edited row by row, re-imported from CSV and deleted on its page', async () => {
    await page.goto(`${base}/account/glossaries`);
    await heading(page, 'Glossaries');
    await page.getByLabel('Name', { exact: true }).fill('web terms');
    await page.getByLabel('Or paste the rows').fill('cloud,Wolke\nengine,Motor\n');
    await page.getByRole('button', { name: 'Create the glossary' }).click();
    const card = page.getByRole('listitem').filter({ hasText: 'web terms' });
    await card.getByText(/2 terms/).waitFor();

    await page.getByRole('button', { name: 'Edit the glossary web terms' }).click();
    await page.getByLabel('Translation, row 1').fill('Rechnerwolke');
    await page.getByRole('button', { name: 'Add a term' }).click();
    await page.getByLabel('Term, row 3').fill('queue');
    await page.getByLabel('Translation, row 3').fill('Warteschlange');
    await look('glossary-edit');
    await page.getByRole('button', { name: 'Remove row 2 (engine)' }).click();
    await page.getByRole('button', { name: 'Save the glossary' }).click();
    await card.getByText('Saved.').waitFor();
    await card.getByText(/2 terms · changed/).waitFor();
    await card.getByRole('button', { name: 'Show terms' }).click();
    const terms = card.getByRole('table');
    await terms.getByText('Warteschlange').waitFor();
    assert.deepEqual(await terms.getByRole('cell').allTextContents(), [
      'cloud',
      'Rechnerwolke',
      'queue',
      'Warteschlange',
    ]);

    // A duplicate term is refused in words naming the row, and nothing changes.
    await page.getByRole('button', { name: 'Edit the glossary web terms' }).click();
    await page.getByLabel('Term, row 2').fill('cloud');
    await page.getByRole('button', { name: 'Save the glossary' }).click();
    await card
      .getByRole('alert')
      .filter({ hasText: /row 2: duplicate term "cloud"/ })
      .waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();

    // A CSV file replaces every term.
    await page.getByRole('button', { name: 'Edit the glossary web terms' }).click();
    await page.getByLabel('Replace all terms with a CSV file').setInputFiles({
      name: 'terms.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('term,translation\nengine,Triebwerk\n'),
    });
    await card.getByText(/replaces the 2 terms below with the rows of terms\.csv/).waitFor();
    await page.getByRole('button', { name: 'Save the glossary' }).click();
    await card.getByText(/1 term · changed/).waitFor();

    await page.getByRole('button', { name: 'Delete the glossary web terms' }).click();
    await card.waitFor({ state: 'detached' });
  });

  test('every other page passes axe at both sizes', async () => {
    for (const [path, title, name] of [
      ['/account/sessions', 'Sessions', 'sessions'],
      ['/account/glossaries', 'Glossaries', 'glossaries'],
      ['/account/memory', 'Translation memory', 'memory'],
      ['/account/data', 'Your data', 'data'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await heading(page, title);
      await look(name);
    }
    const anonymous = await browser.newContext({ viewport: DESKTOP });
    watchPageErrors(anonymous, problems);
    const visitor = await anonymous.newPage();
    for (const [path, title, name] of [
      ['/forgot-password', 'Reset your password', 'forgot-password'],
      ['/reset-password?token=not-a-real-token', 'Choose a new password', 'reset-password'],
      ['/verify-email?token=not-a-real-token', 'Confirm your email', 'verify-email'],
      ['/invite?code=some-code', 'Accept your invitation', 'invite'],
      ['/no-such-page', 'Page not found', 'not-found'],
    ] as const) {
      await visitor.goto(`${base}${path}`);
      await heading(visitor, title);
      if (name === 'verify-email') await visitor.getByRole('alert').waitFor();
      await look(name, visitor);
    }
    await anonymous.close();
  });

  test('sign out ends the session: a reload stays signed out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in');
    assert.equal(
      (await user.cookies()).some((c) => c.name === BROWSER_SESSION.refreshCookie),
      false,
      'the refresh cookie is cleared',
    );
    await page.goto(`${base}/jobs`);
    await heading(page, 'Sign in');
  });

  test('the administrator disables the user, who can then no longer sign in', async () => {
    const adminContext = await browser.newContext({ viewport: DESKTOP });
    watchPageErrors(adminContext, problems);
    const admin = await adminContext.newPage();
    await admin.goto(`${base}/sign-in`);
    await admin.getByLabel('Email').fill(E2E_ADMIN.email);
    await admin.getByLabel('Password').fill(E2E_ADMIN.password);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await heading(admin, 'Translate a PDF');
    await admin
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Admin' })
      .click();
    await heading(admin, 'Users');
    await admin.getByLabel('Email contains').fill(email);
    await admin.getByRole('button', { name: 'Search' }).click();
    await admin.getByRole('row').filter({ hasText: email }).waitFor();
    await look('admin-users', admin);
    await admin.getByRole('button', { name: `Disable ${email}` }).click();
    await admin
      .getByRole('row')
      .filter({ hasText: email })
      .getByText(/^disabled/)
      .waitFor();
    await look('admin-user-disabled', admin);
    for (const [link, title, name] of [
      ['Invitations', 'Invitations', 'admin-invites'],
      ['Queues', 'Queues', 'admin-queues'],
      ['Engines', 'Engines', 'admin-engines'],
    ] as const) {
      await admin
        .getByRole('navigation', { name: 'Administration' })
        .getByRole('link', { name: link })
        .click();
      await heading(admin, title);
      if (name === 'admin-queues')
        await admin.getByRole('region', { name: 'Queue depths' }).waitFor();
      await look(name, admin);
    }
    await adminContext.close();

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'disabled' }).waitFor();
    await look('sign-in-disabled');
    assert.deepEqual(problems, [], 'no CSP violation or page error on any page');
  });
});
