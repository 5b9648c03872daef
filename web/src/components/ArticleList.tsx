import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, articlesPath, PAGE_SIZE, type Article, type ArticleQuery } from '../api/client.js';
import { Avatar } from './Avatar.js';
import { FavoriteButton } from './buttons.js';
import { ErrorList } from './ErrorList.js';

export function ArticleList({ query }: { query: ArticleQuery }) {
  const [page, setPage] = useState(0);
  const key = JSON.stringify(query);
  const [shownKey, setShownKey] = useState(key);
  if (shownKey !== key) {
    setShownKey(key);
    setPage(0);
  }
  const path = articlesPath(query, page);
  const articles = useQuery({ queryKey: ['articles', path], queryFn: () => api<{ articles: Article[]; articlesCount: number }>('GET', path) });
  if (articles.isPending) return <p className="article-preview">Loading articles...</p>;
  if (articles.isError) return <ErrorList error={articles.error} />;
  const { articles: list, articlesCount } = articles.data;
  if (list.length === 0) return <p className="article-preview">No articles are here... yet.</p>;
  const pages = Math.ceil(articlesCount / PAGE_SIZE);
  return (
    <>
      {list.map((article) => (
        <article className="article-preview" key={article.slug}>
          <div className="article-meta">
            <Link to={`/profile/${encodeURIComponent(article.author.username)}`}><Avatar image={article.author.image} name={article.author.username} /></Link>
            <div className="info">
              <Link className="author" to={`/profile/${encodeURIComponent(article.author.username)}`}>{article.author.username}</Link>
              <time className="date" dateTime={article.createdAt}>{new Date(article.createdAt).toDateString()}</time>
            </div>
            <span className="pull-right"><FavoriteButton article={article} compact /></span>
          </div>
          <Link className="preview-link" to={`/article/${encodeURIComponent(article.slug)}`}>
            <h2>{article.title}</h2>
            <p>{article.description}</p>
            <span>Read more...</span>
          </Link>
          <ul className="tag-list" aria-label="Tags">
            {article.tagList.map((tag) => <li className="tag-pill outline" key={tag}>{tag}</li>)}
          </ul>
        </article>
      ))}
      {pages > 1 && (
        <nav aria-label="Pages">
          <ul className="pagination">
            {Array.from({ length: pages }, (_, i) => (
              <li key={i} className={i === page ? 'page-item active' : 'page-item'}>
                <button type="button" className="page-link" aria-current={i === page ? 'page' : undefined} onClick={() => setPage(i)}>
                  {i + 1}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </>
  );
}
