import { Link, NavLink, useLocation, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, type ArticleQuery } from '../api/client.js';
import { useAuth } from '../api/auth.js';
import { ArticleList } from '../components/ArticleList.js';

/** Home: Your Feed (signed in, /feed), Global Feed (/), or one tag (/tag/:tag); popular tags beside. */
export function Home() {
  const { user } = useAuth();
  const { tag } = useParams();
  const feed = useLocation().pathname === '/feed' && user !== null;
  const query: ArticleQuery = feed ? { feed: true } : tag ? { tag } : {};
  const tags = useQuery({ queryKey: ['tags'], queryFn: () => api<{ tags: string[] }>('GET', '/tags') });
  const tab = ({ isActive }: { isActive: boolean }) => (isActive ? 'nav-link active' : 'nav-link');
  return (
    <div className="home-page">
      {!user && (
        <div className="banner">
          <div className="container">
            <h1 className="logo-font">conduit</h1>
            <p>A place to share your knowledge.</p>
          </div>
        </div>
      )}
      <div className="container page row">
        <div className="col-main">
          <nav className="feed-toggle" aria-label="Feeds">
            <ul className="nav nav-pills outline-active">
              {user && <li><NavLink className={tab} to="/feed">Your Feed</NavLink></li>}
              <li><NavLink className={tab} to="/" end>Global Feed</NavLink></li>
              {tag && <li><NavLink className={tab} to={`/tag/${encodeURIComponent(tag)}`}># {tag}</NavLink></li>}
            </ul>
          </nav>
          <ArticleList query={query} />
        </div>
        <aside className="col-side sidebar" aria-labelledby="popular-tags">
          <h2 id="popular-tags">Popular Tags</h2>
          {tags.isPending ? <p>Loading tags...</p> : (
            <ul className="tag-list">
              {(tags.data?.tags ?? []).map((t) => (
                <li key={t}><Link className="tag-pill" to={`/tag/${encodeURIComponent(t)}`}>{t}</Link></li>
              ))}
            </ul>
          )}
        </aside>
      </div>
    </div>
  );
}
