import { ApiError } from '../api/client.js';

export function ErrorList({ error }: { error: unknown }) {
  if (!error) return null;
  const lines = error instanceof ApiError ? error.messages : [];
  if (lines.length === 0) lines.push(error instanceof Error ? error.message : 'Something went wrong');
  return (
    <ul className="error-messages" role="alert">
      {lines.map((line) => <li key={line}>{line}</li>)}
    </ul>
  );
}
