import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { Navigate, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type Article } from '../api/client.js';
import { useAuth } from '../api/auth.js';
import { ErrorList } from '../components/ErrorList.js';

export function Editor() {
  const { user, loading } = useAuth();
  const { slug } = useParams();
  const existing = useQuery({
    queryKey: ['article', slug],
    queryFn: () => api<{ article: Article }>('GET', `/articles/${encodeURIComponent(slug!)}`),
    enabled: slug !== undefined,
  });
  if (loading) return <p className="container">Loading...</p>;
  if (!user) return <Navigate to="/login" />;
  if (slug && existing.isPending) return <p className="container">Loading...</p>;
  if (slug && existing.isError) return <div className="container"><ErrorList error={existing.error} /></div>;
  return <EditorForm key={slug ?? 'new'} article={existing.data?.article} />;
}

function EditorForm({ article }: { article: Article | undefined }) {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [title, setTitle] = useState(article?.title ?? '');
  const [description, setDescription] = useState(article?.description ?? '');
  const [body, setBody] = useState(article?.body ?? '');
  const [tagInput, setTagInput] = useState('');
  const [tags, setTags] = useState<string[]>(article?.tagList ?? []);
  const publish = useMutation({
    mutationFn: () =>
      article
        ? api<{ article: Article }>('PUT', `/articles/${encodeURIComponent(article.slug)}`, { article: { title, description, body, tagList: tags } })
        : api<{ article: Article }>('POST', '/articles', { article: { title, description, body, tagList: tags } }),
    onSuccess: ({ article: saved }) => {
      void queries.invalidateQueries();
      navigate(`/article/${encodeURIComponent(saved.slug)}`);
    },
  });
  const addTag = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    const tag = tagInput.trim();
    if (tag && !tags.includes(tag)) setTags([...tags, tag]);
    setTagInput('');
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    publish.mutate();
  };
  return (
    <div className="editor-page container narrow">
      <h1>{article ? 'Edit article' : 'New article'}</h1>
      <ErrorList error={publish.error} />
      <form onSubmit={onSubmit}>
        <label>Article Title<input name="title" required value={title} onChange={(e) => setTitle(e.target.value)} /></label>
        <label>What&apos;s this article about?<input name="description" required value={description} onChange={(e) => setDescription(e.target.value)} /></label>
        <label>Write your article (in markdown)<textarea name="body" rows={10} required value={body} onChange={(e) => setBody(e.target.value)} /></label>
        <label>Enter tags (Enter adds one)<input name="tags" value={tagInput} onChange={(e) => setTagInput(e.target.value)} onKeyDown={addTag} /></label>
        <ul className="tag-list" aria-label="Tags">
          {tags.map((tag) => (
            <li className="tag-pill" key={tag}>
              {tag} <button type="button" className="tag-remove" aria-label={`Remove tag ${tag}`} onClick={() => setTags(tags.filter((t) => t !== tag))}>×</button>
            </li>
          ))}
        </ul>
        <button className="btn btn-primary btn-lg" type="submit" disabled={publish.isPending}>Publish Article</button>
      </form>
    </div>
  );
}
