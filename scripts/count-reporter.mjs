// A node:test reporter that counts leaf tests (suites excluded) and writes
// {passed, failed, skipped} as JSON to its destination.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    if (data.details?.type === 'suite') {
      // A failing suite hook (before/after) fails no leaf test by itself: count it.
      if (event.type === 'test:fail' && data.details?.error?.failureType === 'hookFailed')
        counts.failed += 1;
      continue;
    }
    if (data.skip !== undefined || data.todo !== undefined) counts.skipped += 1;
    else if (event.type === 'test:pass') counts.passed += 1;
    else counts.failed += 1;
  }
  yield JSON.stringify(counts);
}
