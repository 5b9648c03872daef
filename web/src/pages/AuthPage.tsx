import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { api, type User } from '../api/client.js';
import { useAuth } from '../api/auth.js';
import { ErrorList } from '../components/ErrorList.js';

export function AuthPage({ mode }: { mode: 'login' | 'register' }) {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = useMutation({
    mutationFn: () =>
      mode === 'login'
        ? api<{ user: User }>('POST', '/users/login', { user: { email, password } })
        : api<{ user: User }>('POST', '/users', { user: { username, email, password } }),
    onSuccess: ({ user }) => {
      signIn(user);
      navigate('/');
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate();
  };
  const title = mode === 'login' ? 'Sign in' : 'Sign up';
  return (
    <div className="auth-page container narrow">
      <h1>{title}</h1>
      <p className="text-center">
        {mode === 'login' ? <Link to="/register">Need an account?</Link> : <Link to="/login">Have an account?</Link>}
      </p>
      <ErrorList error={submit.error} />
      <form onSubmit={onSubmit}>
        {mode === 'register' && (
          <label>Username<input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} /></label>
        )}
        <label>Email<input name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} /></label>
        <label>Password<input name="password" type="password" autoComplete={mode === 'login' ? 'current-password' : 'new-password'} required value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        <button className="btn btn-primary btn-lg" type="submit" disabled={submit.isPending}>{title}</button>
      </form>
    </div>
  );
}
