import type { IdentityClient, UserProfile } from '../../../contracts/identity.js';
import { errors } from '../../../platform/errors/catalog.js';
import type { FollowsStore } from '../data/follows.store.js';
import type { ViewerFlags } from '../data/viewer-flags.js';
import type { FeedStrategy } from '../feed/feed-strategy.js';
import type { ProfileView } from './views.js';

export class ProfilesDomain {
  constructor(
    private readonly identity: IdentityClient,
    private readonly follows: FollowsStore,
    private readonly feed: FeedStrategy,
    private readonly flags: ViewerFlags,
  ) {}

  async get(username: string, viewerId: number | null): Promise<ProfileView> {
    const user = await this.find(username);
    const followed = await this.flags.followedAmong(viewerId, [user.id]);
    return view(user, followed.has(user.id));
  }

  async setFollowing(username: string, viewerId: number, following: boolean): Promise<ProfileView> {
    const user = await this.find(username);
    if (user.id === viewerId) throw errors.validation({ profile: ['cannot follow yourself'] });
    const changed = await this.follows.setFollowing(viewerId, user.id, following);
    if (changed) await Promise.all([this.feed.onFollowChanged?.(viewerId), this.flags.changed(viewerId)]);
    return view(user, following);
  }

  private async find(username: string): Promise<UserProfile> {
    const user = await this.identity.userByUsername(username);
    if (!user) throw errors.notFound('profile');
    return user;
  }
}

function view(user: UserProfile, following: boolean): ProfileView {
  return { username: user.username, bio: user.bio, image: user.image, following };
}
