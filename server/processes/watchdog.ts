import net from 'node:net';

/**
 * Runs a program ("$@": ferretdb in embedded-database.ts, redis-server in redis-server.ts) so that it stops with
 * Node, even when Node is SIGKILLed: Node holds the write end of this shell's stdin, and the kernel closes it when
 * Node dies. A background reader waits for that EOF and stops the program; the foreground waits for it, so an
 * early crash ends the shell too. The first stdout line is the program's pid (for the last-resort SIGKILL); its
 * own output all goes to stderr.
 */
export const WATCHDOG = `
exec 3<&0 </dev/null
"$@" >&2 3<&- &
pid=$!
echo "$pid"
{
  while read -r line; do :; done
  kill -TERM "$pid" 2>/dev/null || exit 0
  n=0
  while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
  kill -KILL "$pid" 2>/dev/null
} <&3 >/dev/null 2>&1 &
exec 3<&-
wait "$pid"
`;

/** A free TCP port on 127.0.0.1, for a child server that must be told its port (a Parley node, redis-server). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
