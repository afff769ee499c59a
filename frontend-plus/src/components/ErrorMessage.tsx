import { problemMessage } from '@kit/problems';

/** Any error, in words: never a raw problem document. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p class="error" role="alert">
      {problemMessage(error)}
    </p>
  );
}
