import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { ChatError, type Message } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

let parley: Parley;
let secret: string;
const { client, member, closeAll } = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
  secret = (await parley.repositories.sites.findById('demo'))!.identitySecret;
});
afterAll(async () => {
  closeAll();
  await parley.close();
});

/** What the site's server does (docs/embedding.md, "Sign your own users in"). */
const identityToken = (claims: { sub: string; name: string; email?: string }, expiresIn = '10m') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));

describe('chat.identify({ token })', () => {
  it("signs in the site's user with the token's name, and they chat like anyone else", async () => {
    const chat = client();
    const user = await chat.identify({ token: await identityToken({ sub: 'sdk-crm-1', name: 'Hedy L.', email: 'hedy@example.com' }) });
    expect(user).toEqual({ id: expect.any(String), username: 'sdk-crm-1', displayName: 'Hedy L.', role: 'member' });
    expect(chat.user).toEqual(user);

    const room = await chat.join('general');
    const reader = await member('reader');
    const received = new Promise<Message>((resolve) => reader.room.on('message', resolve));
    await room.send('hello from an identified user');
    expect(await received).toMatchObject({ text: 'hello from an identified user', author: { id: user.id, displayName: 'Hedy L.' } });
  });

  it('rejects an expired token with unauthorized, saying why, and stays signed out', async () => {
    const chat = client();
    const identifying = chat.identify({ token: await identityToken({ sub: 'sdk-crm-2', name: 'Late' }, '-5m') });
    await expect(identifying).rejects.toThrow(ChatError);
    await expect(identifying).rejects.toMatchObject({ code: 'unauthorized', message: 'identity token refused; it has expired' });
    expect(chat.user).toBeNull();
  });

  it('still signs in with the legacy hash, which keeps the name the token gave', async () => {
    await client().identify({ token: await identityToken({ sub: 'sdk-crm-3', name: 'Radia P.' }) });
    const hash = createHmac('sha256', secret).update('sdk-crm-3').digest('hex');
    const user = await client().identify({ userId: 'sdk-crm-3', displayName: 'Support Team', hash });
    expect(user).toMatchObject({ username: 'sdk-crm-3', displayName: 'Radia P.' });
  });
});
