// Errors as "Class: message" strings, so a test states the exact type and wording in one line.

export function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return summary(error);
  }
  return "nothing thrown";
}

export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return summary(error);
  }
  return "nothing thrown";
}

function summary(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : `non-error: ${String(error)}`;
}
