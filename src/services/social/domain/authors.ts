import type { IdentityClient, UserProfile } from '../../../contracts/identity.js';
import type { ViewerFlags } from '../data/viewer-flags.js';
import type { ProfileView } from './views.js';

/**
 * Profiles of many authors as one viewer sees them, in two round trips
 * at most, whatever their number: identity's cached profiles, the viewer's cached set of followings.
 */
export class AuthorDirectory {
  constructor(
    private readonly identity: IdentityClient,
    private readonly flags: ViewerFlags,
  ) {}

  async profiles(authorIds: readonly number[], viewerId: number | null): Promise<Map<number, ProfileView>> {
    const [users, followed] = await Promise.all([
      this.identity.usersByIds(authorIds),
      this.flags.followedAmong(viewerId, authorIds),
    ]);
    return profileViews(users.values(), followed);
  }

  async profile(authorId: number, viewerId: number | null): Promise<ProfileView> {
    return (await this.profiles([authorId], viewerId)).get(authorId) ?? DELETED_AUTHOR;
  }
}

/**
 * Who an article or comment is shown as when identity no longer knows its
 * author: the user was deleted and social has not yet removed their content
 * (it does on the user-deleted event). Shown, not hidden, so a list and its
 * count agree; never a 500. Not a valid username, so it names nobody.
 */
export const DELETED_AUTHOR: ProfileView = Object.freeze({ username: '[deleted]', bio: null, image: null, following: false });

/** Profiles as a viewer sees them, given the ids of those the viewer follows. */
export function profileViews(users: Iterable<UserProfile>, followed: ReadonlySet<number>): Map<number, ProfileView> {
  const views = new Map<number, ProfileView>();
  for (const user of users) {
    views.set(user.id, { username: user.username, bio: user.bio, image: user.image, following: followed.has(user.id) });
  }
  return views;
}
