import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createHashRouter, RouterProvider } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { AuthProvider } from './api/auth.js';
import { Layout } from './components/Layout.js';
import { Home } from './pages/Home.js';
import { AuthPage } from './pages/AuthPage.js';
import { Settings } from './pages/Settings.js';
import { Editor } from './pages/Editor.js';
import { ArticlePage } from './pages/ArticlePage.js';
import { ProfilePage } from './pages/ProfilePage.js';
import { shopRoutes } from './shop/routes.js';
import './styles.css';

// Hash routes (/#/article/x): the server serves one document at / and never has to guess
// which root-level paths belong to the client (docs/adr/0030-web-client-and-console.md).
const router = createHashRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <Home /> },
      { path: '/tag/:tag', element: <Home /> },
      { path: '/feed', element: <Home /> },
      { path: '/login', element: <AuthPage mode="login" /> },
      { path: '/register', element: <AuthPage mode="register" /> },
      { path: '/settings', element: <Settings /> },
      { path: '/editor', element: <Editor /> },
      { path: '/editor/:slug', element: <Editor /> },
      { path: '/article/:slug', element: <ArticlePage /> },
      { path: '/profile/:username', element: <ProfilePage /> },
      { path: '/profile/:username/favorites', element: <ProfilePage favorites /> },
      ...shopRoutes,
      { path: '*', element: <p className="container">Page not found.</p> },
    ],
  },
]);

const queries = new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, retry: 1, refetchOnWindowFocus: false } } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>
    </QueryClientProvider>
  </StrictMode>,
);
