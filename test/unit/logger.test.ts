import { createLogger } from '../../server/logger';

function capture(level = 'info') {
  const lines: string[] = [];
  const log = createLogger(level, false, { write: (chunk: string) => void lines.push(chunk) });
  return { log, text: () => lines.join(''), json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger(level, pretty, destination)', () => {
  it('writes JSON lines at the given level to the destination', () => {
    const { log, json } = capture('warn');
    log.info('not written');
    log.warn({ siteId: 'demo' }, 'written');
    expect(json()).toEqual([expect.objectContaining({ level: 40, siteId: 'demo', msg: 'written' })]);
  });

  it('censors secrets at the top level, one level down and in request or handshake headers', () => {
    const { log, text, json } = capture();
    log.info(
      {
        password: 'pw-top',
        token: 'token-top',
        hash: 'hash-top',
        identitySecret: 'secret-top',
        user: { id: 'u1', passwordHash: 'scrypt-hash', password: 'pw-nested' },
        site: { _id: 'demo', identitySecret: 'secret-nested' },
        session: { token: 'token-nested' },
        headers: { authorization: 'Bearer header-token', cookie: 'parley.sid=cookie-value', 'set-cookie': 'parley.sid=set-value' },
        req: { headers: { authorization: 'Bearer req-token', cookie: 'req-cookie', host: 'example.test' } },
        res: { headers: { 'set-cookie': ['res-cookie'] } },
        handshake: { auth: { token: 'handshake-token', site: 'demo' }, headers: { cookie: 'handshake-cookie' } },
      },
      'everything secret',
    );
    for (const secret of ['pw-top', 'token-top', 'hash-top', 'secret-top', 'scrypt-hash', 'pw-nested', 'secret-nested', 'token-nested', 'header-token', 'cookie-value', 'set-value', 'req-token', 'req-cookie', 'res-cookie', 'handshake-token', 'handshake-cookie']) {
      expect([secret, text().includes(secret)]).toEqual([secret, false]);
    }
    // what is not secret stays readable
    expect(json()[0]).toMatchObject({ user: { id: 'u1', passwordHash: '[redacted]' }, req: { headers: { host: 'example.test' } }, handshake: { auth: { site: 'demo' } } });
  });
});
