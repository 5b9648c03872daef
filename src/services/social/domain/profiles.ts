import type { IdentityClient, UserProfile } from '../../../contracts/identity.js';
import { USER_FOLLOWED, type UserFollowedEvent } from '../../../contracts/social.js';
import type { Transaction } from 'kysely';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import type { SocialTables } from '../data/tables.js';
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
    private readonly outbox: Outbox,
  ) {}

  async get(username: string, viewerId: number | null): Promise<ProfileView> {
    const user = await this.find(username);
    const followed = await this.flags.followedAmong(viewerId, [user.id]);
    return view(user, followed.has(user.id));
  }

  async setFollowing(username: string, viewerId: number, following: boolean): Promise<ProfileView> {
    const user = await this.find(username);
    if (user.id === viewerId) throw errors.validation({ profile: ['cannot follow yourself'] });
    // A new follow is announced (notifications); an unfollow is not (nobody is told they lost a follower).
    const payload: UserFollowedEvent = { followerId: viewerId, followeeId: user.id };
    const announce = following
      ? async (trx: Transaction<SocialTables>) => void (await this.outbox.add<SocialTables>(trx, [{ topic: USER_FOLLOWED, key: String(user.id), payload }]))
      : undefined;
    const changed = await this.follows.setFollowing(viewerId, user.id, following, announce);
    if (changed && following) this.outbox.wake();
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
