import { NavLink, Outlet } from 'react-router';
import { useAuth } from '../api/auth.js';
import { Avatar } from './Avatar.js';
import { Notifications } from './Notifications.js';

export function Layout() {
  const { user } = useAuth();
  const link = ({ isActive }: { isActive: boolean }) => (isActive ? 'nav-link active' : 'nav-link');
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header>
        <nav className="navbar container" aria-label="Main">
          <NavLink className="brand" to="/">conduit</NavLink>
          <ul className="nav">
            <li><NavLink className={link} to="/" end>Home</NavLink></li>
            <li><NavLink className={link} to="/shop">Shop</NavLink></li>
            {user ? (
              <>
                <li><NavLink className={link} to="/cart">Cart</NavLink></li>
                <li><NavLink className={link} to="/orders">Orders</NavLink></li>
                <li><NavLink className={link} to="/editor" end>New Article</NavLink></li>
                <li><NavLink className={link} to="/settings">Settings</NavLink></li>
                <li><Notifications username={user.username} /></li>
                <li>
                  <NavLink className={link} to={`/profile/${encodeURIComponent(user.username)}`}>
                    <Avatar image={user.image} name={user.username} small /> {user.username}
                  </NavLink>
                </li>
              </>
            ) : (
              <>
                <li><NavLink className={link} to="/login">Sign in</NavLink></li>
                <li><NavLink className={link} to="/register">Sign up</NavLink></li>
              </>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer>
        <div className="container">
          <span className="brand">conduit</span> <span>served by scalestack · <a href="/docs">API docs</a></span>
        </div>
      </footer>
    </>
  );
}
