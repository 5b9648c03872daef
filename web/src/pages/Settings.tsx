import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, type User } from '../api/client.js';
import { useAuth } from '../api/auth.js';
import { ErrorList } from '../components/ErrorList.js';

export function Settings() {
  const { user, loading } = useAuth();
  if (loading) return <p className="container">Loading...</p>;
  if (!user) return <Navigate to="/login" />;
  return <SettingsForm user={user} />;
}

function SettingsForm({ user }: { user: User }) {
  const { signIn, signOut } = useAuth();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [image, setImage] = useState(user.image ?? '');
  const [username, setUsername] = useState(user.username);
  const [bio, setBio] = useState(user.bio ?? '');
  const [email, setEmail] = useState(user.email);
  const [password, setPassword] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api<{ user: User }>('PUT', '/user', {
        user: { image: image || null, username, bio, email, ...(password ? { password } : {}) },
      }),
    onSuccess: ({ user: saved }) => {
      signIn(saved);
      void queries.invalidateQueries();
      navigate(`/profile/${encodeURIComponent(saved.username)}`);
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <div className="settings-page container narrow">
      <h1>Your Settings</h1>
      <ErrorList error={save.error} />
      <form onSubmit={onSubmit}>
        <label>URL of profile picture<input name="image" type="url" value={image} onChange={(e) => setImage(e.target.value)} /></label>
        <label>Username<input name="username" required value={username} onChange={(e) => setUsername(e.target.value)} /></label>
        <label>Short bio about you<textarea name="bio" rows={6} value={bio} onChange={(e) => setBio(e.target.value)} /></label>
        <label>Email<input name="email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} /></label>
        <label>New password<input name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        <button className="btn btn-primary btn-lg" type="submit" disabled={save.isPending}>Update Settings</button>
      </form>
      <hr />
      <button type="button" className="btn btn-outline-danger" onClick={() => { signOut(); queries.clear(); navigate('/'); }}>
        Or click here to logout.
      </button>
    </div>
  );
}
