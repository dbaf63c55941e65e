import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createLogger } from '../../server/logger';
import { projectRoot } from '../../server/paths';

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

describe('createLogger(level) in a process of its own', () => {
  // what `npm start` does: one line logged by the default logger, in a terminal or into a pipe
  const script = `import { createLogger } from './server/logger.ts';
createLogger('info').info({ siteId: 'demo', password: 'hunter2' }, 'Parley is listening');`;
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '--eval', script];
  const run = (command: string[]) => promisify(execFile)(command[0]!, command.slice(1), { cwd: projectRoot(), timeout: 20_000 });
  const lines = (output: string) => output.split(/\r?\n/).filter((line) => line.trim() !== '');

  it('prints readable lines, not JSON, when stdout is a terminal', async () => {
    // python3's pty module: a real pseudo-terminal, so process.stdout.isTTY is true in the child
    const { stdout } = await run(['python3', '-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', ...node]);
    const text = stdout.replace(/\u001b\[[0-9;]*m/g, ''); // pino-pretty's colours
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: Parley is listening$/m);
    expect(text).toMatch(/siteId: "demo"/);
    expect(text).toMatch(/password: "\[redacted\]"/);
    expect(text).not.toMatch(/hunter2/);
    expect(lines(text).filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
  });

  it('prints JSON lines when stdout is a pipe', async () => {
    const { stdout } = await run(node);
    expect(lines(stdout).map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 30, msg: 'Parley is listening', siteId: 'demo', password: '[redacted]' }),
    ]);
  });
});
