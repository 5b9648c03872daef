import type { IdentityClient, UserProfile } from '../../../contracts/identity.js';
import type { FollowsStore } from '../data/follows.store.js';
import type { ProfileView } from './views.js';

/**
 * Profiles of many authors as one viewer sees them, in two round trips
 * whatever their number: identity for the profiles, follows for the flags.
 */
export class AuthorDirectory {
  constructor(
    private readonly identity: IdentityClient,
    private readonly follows: FollowsStore,
  ) {}

  async profiles(authorIds: readonly number[], viewerId: number | null): Promise<Map<number, ProfileView>> {
    const [users, followed] = await Promise.all([
      this.identity.usersByIds(authorIds),
      this.follows.followedAmong(viewerId, authorIds),
    ]);
    return toViews(users.values(), followed);
  }

  /** The same, for profiles already at hand (a cached list page carries its authors): only the flags are looked up. */
  async viewsOf(users: readonly UserProfile[], viewerId: number | null): Promise<Map<number, ProfileView>> {
    return toViews(users, await this.follows.followedAmong(viewerId, users.map((u) => u.id)));
  }

  async profile(authorId: number, viewerId: number | null): Promise<ProfileView> {
    const view = (await this.profiles([authorId], viewerId)).get(authorId);
    // Users are never deleted, so an author always has a profile; this guards a broken invariant.
    if (!view) throw new Error(`author ${authorId} has no profile in identity`);
    return view;
  }
}

function toViews(users: Iterable<UserProfile>, followed: Set<number>): Map<number, ProfileView> {
  const views = new Map<number, ProfileView>();
  for (const user of users) {
    views.set(user.id, { username: user.username, bio: user.bio, image: user.image, following: followed.has(user.id) });
  }
  return views;
}
