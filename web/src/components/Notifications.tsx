import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, storedToken } from '../api/client.js';

interface Notification {
  id: number;
  type: string;
  read: boolean;
  createdAt: string;
  actor: { username: string; image: string | null } | null;
  article?: { slug: string; title: string };
  comment?: { excerpt: string };
}

/**
 * The header's bell: the latest notifications (GET /api/notifications), then live ones over SSE
 * (/api/notifications/stream?token=, since EventSource cannot send a header; it reconnects by itself
 * with Last-Event-ID, and the server replays what was missed: docs/patterns/live-push.md).
 */
export function Notifications({ username }: { username: string }) {
  const [items, setItems] = useState<Notification[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const [fresh, setFresh] = useState<Notification | null>(null);

  useEffect(() => {
    const token = storedToken();
    if (!token) return;
    let closed = false;
    const add = (n: Notification) => {
      setItems((list) => (list.some((x) => x.id === n.id) ? list : [n, ...list].slice(0, 20)));
    };
    const source = new EventSource(`/api/notifications/stream?token=${encodeURIComponent(token)}`);
    source.addEventListener('notification', (event) => {
      const n = JSON.parse((event as MessageEvent<string>).data) as Notification;
      add(n);
      if (!n.read) setUnread((u) => u + 1);
      setFresh(n);
    });
    // The page first, then live: anything that arrives in between is deduplicated by id.
    void api<{ notifications: Notification[]; unreadCount: number }>('GET', '/notifications?limit=10').then((page) => {
      if (closed) return;
      setItems((live) => [...live, ...page.notifications.filter((n) => !live.some((x) => x.id === n.id))].sort((a, b) => b.id - a.id));
      setUnread(page.unreadCount);
    }, () => {});
    return () => {
      closed = true;
      source.close();
    };
  }, [username]);

  const markRead = () => {
    void api<{ unreadCount: number }>('POST', '/notifications/read', { all: true }).then((r) => {
      setUnread(r.unreadCount);
      setItems((list) => list.map((n) => ({ ...n, read: true })));
    }, () => {});
  };

  return (
    <div className="notifications">
      <button type="button" className="nav-link bell" aria-expanded={open} aria-controls="notification-list" onClick={() => setOpen(!open)}>
        Notifications{unread > 0 && <span className="badge" aria-label={`${unread} unread`}>{unread}</span>}
      </button>
      <p className="visually-hidden" role="status" aria-live="polite">{fresh ? describe(fresh) : ''}</p>
      {open && (
        <div className="notification-panel" id="notification-list">
          {items.length === 0 ? <p>Nothing yet.</p> : (
            <ul>
              {items.map((n) => (
                <li key={n.id} className={n.read ? 'read' : 'unread'}>
                  {n.article ? <Link to={`/article/${encodeURIComponent(n.article.slug)}`} onClick={() => setOpen(false)}>{describe(n)}</Link>
                    : n.actor ? <Link to={`/profile/${encodeURIComponent(n.actor.username)}`} onClick={() => setOpen(false)}>{describe(n)}</Link> : describe(n)}
                  <time dateTime={n.createdAt}>{new Date(n.createdAt).toLocaleString()}</time>
                </li>
              ))}
            </ul>
          )}
          {unread > 0 && <button type="button" className="btn btn-sm btn-outline" onClick={markRead}>Mark all read</button>}
        </div>
      )}
    </div>
  );
}

function describe(n: Notification): string {
  const who = n.actor?.username ?? 'someone';
  if (n.type === 'follow') return `${who} followed you`;
  if (n.type === 'comment') return `${who} commented on "${n.article?.title ?? 'your article'}"${n.comment ? `: ${n.comment.excerpt}` : ''}`;
  if (n.type === 'favorite') return `${who} favorited "${n.article?.title ?? 'your article'}"`;
  return `${who}: ${n.type}`;
}
