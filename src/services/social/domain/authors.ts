import type { IdentityClient } from '../../../contracts/identity.js';
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
    const views = new Map<number, ProfileView>();
    for (const [id, user] of users) {
      views.set(id, { username: user.username, bio: user.bio, image: user.image, following: followed.has(id) });
    }
    return views;
  }

  async profile(authorId: number, viewerId: number | null): Promise<ProfileView> {
    const view = (await this.profiles([authorId], viewerId)).get(authorId);
    // Users are never deleted, so an author always has a profile; this guards a broken invariant.
    if (!view) throw new Error(`author ${authorId} has no profile in identity`);
    return view;
  }
}
