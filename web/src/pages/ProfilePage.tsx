import { NavLink, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, type Profile } from '../api/client.js';
import { useAuth } from '../api/auth.js';
import { Avatar } from '../components/Avatar.js';
import { ArticleList } from '../components/ArticleList.js';
import { ErrorList } from '../components/ErrorList.js';
import { FollowButton } from '../components/buttons.js';
import { Link } from 'react-router';

export function ProfilePage({ favorites }: { favorites?: boolean }) {
  const username = useParams().username!;
  const { user } = useAuth();
  const profile = useQuery({ queryKey: ['profile', username], queryFn: () => api<{ profile: Profile }>('GET', `/profiles/${encodeURIComponent(username)}`) });
  if (profile.isPending) return <p className="container">Loading...</p>;
  if (profile.isError) return <div className="container"><ErrorList error={profile.error} /></div>;
  const p = profile.data.profile;
  const base = `/profile/${encodeURIComponent(p.username)}`;
  const tab = ({ isActive }: { isActive: boolean }) => (isActive ? 'nav-link active' : 'nav-link');
  return (
    <div className="profile-page">
      <div className="user-info">
        <div className="container">
          <Avatar image={p.image} name={p.username} />
          <h1>{p.username}</h1>
          {p.bio && <p>{p.bio}</p>}
          {user?.username === p.username ? <Link className="btn btn-outline-secondary btn-sm" to="/settings">Edit Profile Settings</Link> : <FollowButton profile={p} />}
        </div>
      </div>
      <div className="container page">
        <nav className="articles-toggle" aria-label="Profile articles">
          <ul className="nav nav-pills outline-active">
            <li><NavLink className={tab} to={base} end>My Articles</NavLink></li>
            <li><NavLink className={tab} to={`${base}/favorites`}>Favorited Articles</NavLink></li>
          </ul>
        </nav>
        <ArticleList query={favorites ? { favorited: p.username } : { author: p.username }} />
      </div>
    </div>
  );
}
