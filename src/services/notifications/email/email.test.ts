import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { addComment, createArticle, follow, registerUser, type TestUser } from '../../../testing/fixtures.js';
import { registerAdmin } from '../../../testing/catalog-fixtures.js';
import { maildirSmtpOptions, startMaildirSmtp, type MaildirSmtp } from '../../../testing/maildir-smtp.js';
import { waitFor } from '../../../platform/bus/testing/targets.js';
import { DIGEST_QUEUE } from './digest.js';

interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string | null;
}

const [target] = await dbTargets();

/**
 * The same checks against the two places mail can go: the in-process sink
 * (read at the admin URL) and a real SMTP server that is not ours (SMTP_URL
 * to aiosmtpd, read from its Maildir).
 */
const backends = [
  { name: 'in-process sink', options: {} },
  { name: 'SMTP_URL to a real SMTP server (aiosmtpd)', options: maildirSmtpOptions() },
];

for (const backend of backends) {
  describe(`notification emails [${backend.name}]`, { ...target!.options, ...backend.options }, () => {
    let sys: TestSystem;
    let smtp: MaildirSmtp | null = null;
    let admin: TestUser;
    before(async () => {
      if (backend.name !== 'in-process sink') smtp = await startMaildirSmtp();
      sys = await startTestSystem(target!, smtp ? { SMTP_URL: smtp.url } : {});
      admin = await registerAdmin(sys.api, sys.db);
    });
    after(async () => {
      await sys?.close();
      await smtp?.stop();
    });

    const inbox = async (): Promise<Mail[]> => {
      if (smtp) return smtp.messages();
      const res = await sys.api.get<{ messages: Mail[] }>('/api/admin/mail', { token: admin.token });
      assert.equal(res.status, 200);
      return res.body.messages;
    };
    const mailTo = async (user: TestUser, count: number): Promise<Mail[]> => {
      await waitFor(`${count} emails to ${user.email}`, async () => (await inbox()).filter((m) => m.to.includes(user.email)).length >= count, 15_000);
      return (await inbox()).filter((m) => m.to.includes(user.email));
    };

    it('a follow and a comment each send the author one email with the right subject, text and HTML', async () => {
      const author = await registerUser(sys.api);
      const fan = await registerUser(sys.api);
      const article = await createArticle(sys.api, author.token, { title: 'Dragons & <Dungeons>' });
      await follow(sys.api, fan.token, author.username);
      await addComment(sys.api, fan.token, article.slug, 'Loved the <b>wyverns</b>');
      const mails = await mailTo(author, 2);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await mailTo(author, 2)).length, 2, 'one email per notification');

      const followed = mails.find((m) => m.subject === `${fan.username} started following you`);
      assert.ok(followed, JSON.stringify(mails.map((m) => m.subject)));
      assert.deepEqual(followed.to, [author.email]);
      assert.match(followed.text, new RegExp(`Hi ${author.username},`));
      assert.match(followed.text, new RegExp(`${fan.username} started following you\\.`));
      assert.match(followed.html, new RegExp(`<strong>${fan.username}</strong> started following you\\.`));
      assert.match(followed.messageId ?? '', /^<notification-\d+@scalestack>$/);

      const commented = mails.find((m) => m.subject === `${fan.username} commented on “Dragons & <Dungeons>”`);
      assert.ok(commented, JSON.stringify(mails.map((m) => m.subject)));
      assert.match(commented.text, /commented on “Dragons & <Dungeons>”: Loved the <b>wyverns<\/b>/);
      // User text is escaped in the HTML: no markup of theirs reaches the mail.
      assert.match(commented.html, /Dragons &amp; &lt;Dungeons&gt;/);
      assert.match(commented.html, /Loved the &lt;b&gt;wyverns&lt;\/b&gt;/);
      assert.doesNotMatch(commented.html, /<b>wyverns/);
    });

    it('turning email off for follows sends no follow email, while the in-app notification still comes', async () => {
      const author = await registerUser(sys.api);
      const fan = await registerUser(sys.api);
      const article = await createArticle(sys.api, author.token);
      const put = await sys.api.put('/api/notifications/preferences', { preferences: { email: { follow: false } } }, { token: author.token });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      await follow(sys.api, fan.token, author.username);
      await addComment(sys.api, fan.token, article.slug, 'second');
      const mails = await mailTo(author, 1);
      const list = await sys.api.get<{ notifications: { type: string }[] }>('/api/notifications', { token: author.token });
      assert.deepEqual(list.body.notifications.map((n) => n.type).sort(), ['comment', 'follow']);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual((await mailTo(author, 1)).map((m) => m.subject), mails.map((m) => m.subject));
      assert.ok(mails.every((m) => !m.subject.includes('following')));
    });

    it('a customer cannot read the admin mail URL; without a token it is 401', async () => {
      const customer = await registerUser(sys.api);
      assert.equal((await sys.api.get('/api/admin/mail', { token: customer.token })).status, 403);
      assert.equal((await sys.api.get('/api/admin/mail')).status, 401);
    });
  });
}

describe('email digests (EMAIL_DIGEST_MINUTES)', target!.options, () => {
  let sys: TestSystem;
  let admin: TestUser;
  before(async () => {
    sys = await startTestSystem(target!, { EMAIL_DIGEST_MINUTES: 60 });
    admin = await registerAdmin(sys.api, sys.db);
  });
  after(() => sys?.close());

  const mailTo = async (user: TestUser): Promise<Mail[]> => {
    const res = await sys.api.get<{ messages: Mail[] }>('/api/admin/mail', { token: admin.token });
    return res.body.messages.filter((m) => m.to.includes(user.email));
  };

  it('notifications wait for the digest: none mailed one by one, then one email lists them all, and the next tick sends nothing again', async () => {
    const author = await registerUser(sys.api);
    const fans = [await registerUser(sys.api), await registerUser(sys.api)];
    const article = await createArticle(sys.api, author.token, { title: 'Digest me' });
    for (const fan of fans) await follow(sys.api, fan.token, author.username);
    await addComment(sys.api, fans[0]!.token, article.slug, 'first!');
    await waitFor('three notifications', async () => (await sys.api.get<{ notifications: unknown[] }>('/api/notifications', { token: author.token })).body.notifications.length === 3, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await mailTo(author), [], 'with digests on, nothing is mailed as it happens');

    // The tick the hourly cron would enqueue, now.
    await sys.bus.enqueue(DIGEST_QUEUE, { tick: 1 });
    await waitFor('the digest email', async () => (await mailTo(author)).length >= 1, 15_000);
    const [digest] = await mailTo(author);
    assert.equal(digest!.subject, '3 new notifications');
    for (const fan of fans) assert.match(digest!.text, new RegExp(`${fan.username} started following you`));
    assert.match(digest!.text, /commented on “Digest me”/);

    await sys.bus.enqueue(DIGEST_QUEUE, { tick: 2 });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await mailTo(author)).length, 1, 'what a digest sent is not sent again');
  });
});
