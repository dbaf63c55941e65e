import { MongoClient } from 'mongodb';
const client = await MongoClient.connect('mongodb://127.0.0.1:27999/');
const c = client.db('x').collection<any>('messages');
const key = (i: number) => `demo:r:${String(i).padStart(12, '0')}`;
if (process.argv[2] === 'seed') {
  const docs = Array.from({ length: 20000 }, (_, i) => ({ _id: key(i + 1), siteId: 'demo', roomId: 'r', seq: i + 1, author: { id: 'aaaaaaaaaaaaaaaaaaaaaaaa', displayName: 'bench 1' }, text: `message ${i}: a line of history about the length of a chat message, give or take`, clientMsgId: `seed-${i}`, createdAt: new Date() }));
  for (let i = 0; i < docs.length; i += 2000) await c.insertMany(docs.slice(i, i + 2000));
}
const n = Number(process.argv[3] ?? 500);
const rounds = Number(process.argv[4] ?? 40);
const times: number[] = [];
for (let r = 0; r < rounds; r++) {
  const start = 1000 + (r % 30) * 500;
  const keys = Array.from({ length: n }, (_, k) => key(start + k));
  const t = performance.now();
  const found = await c.find({ _id: { $in: keys } }).toArray();
  times.push(performance.now() - t);
  if (found.length !== n) throw new Error('missing ' + found.length);
}
times.sort((a, b) => a - b);
console.log(`$in ${n}: median ${times[times.length >> 1]!.toFixed(2)} ms, per doc ${(times[times.length >> 1]! / n).toFixed(3)} ms`);
await client.close();
