import type { Database } from '../../../platform/db/database.js';
import { acceptJob, readJobStatus, tracked, unfinishedJobOf, type JobStatus } from '../../../platform/bus/accepted.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import type { Bus, Headers, Subscription } from '../../../platform/bus/port.js';
import type { ArticlesStore } from '../data/articles.store.js';

export const USER_EXPORT_QUEUE = 'social.user-export';
/** Attempts before the job is reported 'failed' (the status row and the bus agree on it). */
const MAX_ATTEMPTS = 3;
/** Articles read per query: an author with thousands of articles never loads them in one statement. */
const PAGE = 500;

export interface ExportedArticle {
  slug: string;
  title: string;
  description: string;
  body: string;
  tagList: string[];
  favoritesCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface UserExportResult {
  articles: ExportedArticle[];
  articlesCount: number;
  exportedAt: string;
}

/**
 * A copy of everything a user wrote (their articles), made in the background:
 * the request answers 202 with a status URL at once (docs/patterns/accepted-202.md),
 * a worker of the social service builds the export, and the status resource
 * carries the result once it succeeded. Only the user who asked can read it.
 */
export class UserExport {
  constructor(
    private readonly db: Database,
    private readonly articles: ArticlesStore,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Records the job and its status in one transaction; the relay hands it to the bus. Returns the job id.
   * A user with an export still under way gets that one's id: asking again (a double click, a client's
   * retry, a script in a loop) never queues another read of their whole history.
   */
  async request(userId: number, headers: Headers): Promise<string> {
    const pending = await unfinishedJobOf(this.db, USER_EXPORT_QUEUE, String(userId));
    if (pending !== undefined) return pending;
    const id = await acceptJob(this.db, USER_EXPORT_QUEUE, { userId }, { headers, owner: String(userId) });
    this.outbox.wake();
    return id;
  }

  /** The job's status and, once succeeded, its result; undefined for an unknown id or someone else's job. */
  status(userId: number, jobId: string): Promise<JobStatus | undefined> {
    return readJobStatus(this.db, USER_EXPORT_QUEUE, jobId, String(userId));
  }

  async build(userId: number): Promise<UserExportResult> {
    const articles: ExportedArticle[] = [];
    for (let after = 0; ;) {
      const page = await this.articles.recordsByAuthor(userId, after, PAGE);
      for (const a of page) {
        articles.push({ slug: a.slug, title: a.title, description: a.description, body: a.body, tagList: a.tagList,
          favoritesCount: a.favoritesCount, createdAt: a.createdAt, updatedAt: a.updatedAt });
      }
      if (page.length < PAGE) break;
      after = page.at(-1)!.id;
    }
    return { articles, articlesCount: articles.length, exportedAt: new Date().toISOString() };
  }

  /** The worker: one export at a time per process (they are reads of a whole history, not urgent). */
  work(bus: Bus): Promise<Subscription> {
    return bus.process<{ userId: number }>(USER_EXPORT_QUEUE, tracked(this.db, MAX_ATTEMPTS, ({ userId }) => this.build(userId)), { maxAttempts: MAX_ATTEMPTS });
  }
}
