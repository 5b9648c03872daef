import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, type Article, type Profile } from '../api/client.js';
import { useAuth } from '../api/auth.js';

/** Favorite / unfavorite; signed-out readers are sent to sign in. */
export function FavoriteButton({ article, compact }: { article: Article; compact?: boolean }) {
  const { user } = useAuth();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const toggle = useMutation({
    mutationFn: () => api<{ article: Article }>(article.favorited ? 'DELETE' : 'POST', `/articles/${encodeURIComponent(article.slug)}/favorite`),
    onSuccess: () => queries.invalidateQueries(),
  });
  const label = article.favorited ? 'Unfavorite article' : 'Favorite article';
  return (
    <button
      type="button"
      className={article.favorited ? 'btn btn-primary btn-sm' : 'btn btn-outline btn-sm'}
      aria-pressed={article.favorited}
      aria-label={`${label} (${article.favoritesCount})`}
      disabled={toggle.isPending}
      onClick={() => (user ? toggle.mutate() : navigate('/login'))}
    >
      ♥ {compact ? article.favoritesCount : `${article.favorited ? 'Unfavorite' : 'Favorite'} Article (${article.favoritesCount})`}
    </button>
  );
}

export function FollowButton({ profile }: { profile: Profile }) {
  const { user } = useAuth();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const toggle = useMutation({
    mutationFn: () => api<{ profile: Profile }>(profile.following ? 'DELETE' : 'POST', `/profiles/${encodeURIComponent(profile.username)}/follow`),
    onSuccess: () => queries.invalidateQueries(),
  });
  if (user?.username === profile.username) return null;
  return (
    <button
      type="button"
      className={profile.following ? 'btn btn-secondary btn-sm' : 'btn btn-outline-secondary btn-sm'}
      aria-pressed={profile.following}
      disabled={toggle.isPending}
      onClick={() => (user ? toggle.mutate() : navigate('/login'))}
    >
      {profile.following ? 'Unfollow' : 'Follow'} {profile.username}
    </button>
  );
}
