/**
 * Resolves once `condition` holds, looking again every `intervalMs`. No deadline of its own: a test
 * waits for what it waits for, with the test's timeout as the only bound, so a busy machine makes
 * it slower, never red. How soon something happens is asserted through its mechanism (a wake-up, a
 * fake timer), or measured by `npm run bench`.
 */
export async function until(condition: () => boolean | Promise<boolean>, intervalMs = 20): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
