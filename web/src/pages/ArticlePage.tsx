import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Article, type Comment } from '../api/client.js';
import { useAuth } from '../api/auth.js';
import { renderMarkdown } from '../markdown.js';
import { Avatar } from '../components/Avatar.js';
import { ErrorList } from '../components/ErrorList.js';
import { FavoriteButton, FollowButton } from '../components/buttons.js';

export function ArticlePage() {
  const slug = useParams().slug!;
  const article = useQuery({ queryKey: ['article', slug], queryFn: () => api<{ article: Article }>('GET', `/articles/${encodeURIComponent(slug)}`) });
  if (article.isPending) return <p className="container">Loading...</p>;
  if (article.isError) return <div className="container"><ErrorList error={article.error} /></div>;
  const a = article.data.article;
  return (
    <div className="article-page">
      <div className="banner">
        <div className="container">
          <h1>{a.title}</h1>
          <ArticleMeta article={a} />
        </div>
      </div>
      <div className="container page">
        {/* Sanitized by renderMarkdown (marked + DOMPurify): no scripts, handlers or javascript: URLs survive. */}
        <div className="article-content" dangerouslySetInnerHTML={{ __html: renderMarkdown(a.body) }} />
        <ul className="tag-list" aria-label="Tags">
          {a.tagList.map((tag) => <li className="tag-pill outline" key={tag}>{tag}</li>)}
        </ul>
        <hr />
        <Comments slug={slug} />
      </div>
    </div>
  );
}

function ArticleMeta({ article }: { article: Article }) {
  const { user } = useAuth();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const remove = useMutation({
    mutationFn: () => api('DELETE', `/articles/${encodeURIComponent(article.slug)}`),
    onSuccess: () => {
      void queries.invalidateQueries();
      navigate('/');
    },
  });
  const profile = `/profile/${encodeURIComponent(article.author.username)}`;
  return (
    <div className="article-meta">
      <Link to={profile}><Avatar image={article.author.image} name={article.author.username} /></Link>
      <div className="info">
        <Link className="author" to={profile}>{article.author.username}</Link>
        <time className="date" dateTime={article.createdAt}>{new Date(article.createdAt).toDateString()}</time>
      </div>
      {user?.username === article.author.username ? (
        <>
          <Link className="btn btn-outline-secondary btn-sm" to={`/editor/${encodeURIComponent(article.slug)}`}>Edit Article</Link>
          <button type="button" className="btn btn-outline-danger btn-sm" onClick={() => remove.mutate()}>Delete Article</button>
        </>
      ) : (
        <>
          <FollowButton profile={article.author} />
          <FavoriteButton article={article} />
        </>
      )}
    </div>
  );
}

function Comments({ slug }: { slug: string }) {
  const { user } = useAuth();
  const queries = useQueryClient();
  const [body, setBody] = useState('');
  const path = `/articles/${encodeURIComponent(slug)}/comments`;
  const comments = useQuery({ queryKey: ['comments', slug], queryFn: () => api<{ comments: Comment[] }>('GET', path) });
  const post = useMutation({
    mutationFn: () => api<{ comment: Comment }>('POST', path, { comment: { body } }),
    onSuccess: () => {
      setBody('');
      void queries.invalidateQueries({ queryKey: ['comments', slug] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: number) => api('DELETE', `${path}/${id}`),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['comments', slug] }),
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    post.mutate();
  };
  return (
    <section className="comments narrow" aria-labelledby="comments-title">
      <h2 id="comments-title">Comments</h2>
      {user ? (
        <form className="card comment-form" onSubmit={onSubmit}>
          <ErrorList error={post.error} />
          <label className="visually-hidden" htmlFor="comment-body">Write a comment</label>
          <textarea id="comment-body" placeholder="Write a comment..." rows={3} required value={body} onChange={(e) => setBody(e.target.value)} />
          <button className="btn btn-primary btn-sm" type="submit" disabled={post.isPending}>Post Comment</button>
        </form>
      ) : (
        <p><Link to="/login">Sign in</Link> or <Link to="/register">sign up</Link> to add comments on this article.</p>
      )}
      {(comments.data?.comments ?? []).map((c) => (
        <div className="card" key={c.id}>
          <p className="card-text">{c.body}</p>
          <div className="card-footer">
            <Avatar image={c.author.image} name={c.author.username} small />
            <Link className="comment-author" to={`/profile/${encodeURIComponent(c.author.username)}`}>{c.author.username}</Link>
            <time className="date" dateTime={c.createdAt}>{new Date(c.createdAt).toDateString()}</time>
            {user?.username === c.author.username && (
              <button type="button" className="btn btn-link btn-sm" aria-label="Delete comment" onClick={() => remove.mutate(c.id)}>Delete</button>
            )}
          </div>
        </div>
      ))}
    </section>
  );
}
