import { useEffect, useRef, useState } from 'preact/hooks';
import type { SiteActivityResponse } from '../../sdk/protocol';
import { type Failure, failureOf, siteCall } from '../api';
import { fill, pick } from '../i18n';
import { overviewStrings } from '../strings/overview';
import type { PageProps } from './page';

type Activity = SiteActivityResponse['activity'];

/** How often the numbers are read again while the page is visible. */
const REFRESH_MS = 5_000;

/** Online now (live), messages and active users per day for 30 days as a chart and a table, and the top rooms. */
export function OverviewPage({ site }: PageProps) {
  const s = pick(overviewStrings);
  const [activity, setActivity] = useState<Activity | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  useEffect(() => {
    let stopped = false;
    const read = () =>
      siteCall<SiteActivityResponse>(site.id, 'GET', 'activity').then(
        (answer) => !stopped && (setActivity(answer.activity), setFailure(null)),
        (error: unknown) => !stopped && setFailure(failureOf(error)),
      );
    void read();
    const timer = setInterval(() => document.visibilityState === 'visible' && void read(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [site.id]);

  if (!activity) return failure ? <p class="card error" role="alert">{failure.message}</p> : <p role="status">…</p>;
  const total = activity.days.reduce((sum, day) => sum + day.messages, 0);
  return (
    <>
      <section class="card" aria-labelledby="online-title">
        <h2 id="online-title">{s.onlineNow}</h2>
        {/* a status: read out when the number changes, not at every refresh */}
        <p class="big-number" role="status">
          {fill(s.onlineCount, { count: String(activity.online) })}
        </p>
      </section>
      <section class="card" aria-labelledby="days-title">
        <h2 id="days-title">{s.last30}</h2>
        <p>{total === 0 ? s.noMessages : total === 1 ? s.totalOne : fill(s.total, { messages: String(total) })}</p>
        <Chart activity={activity} label={s.chartLabel} />
        <details>
          <summary>{s.showNumbers}</summary>
          <div class="scroll">
            <table>
              <caption class="visually-hidden">{s.chartLabel}</caption>
              <thead>
                <tr>
                  <th scope="col">{s.day}</th>
                  <th scope="col">{s.messages}</th>
                  <th scope="col">{s.activeUsers}</th>
                </tr>
              </thead>
              <tbody>
                {activity.days.map((day) => (
                  <tr key={day.day}>
                    <th scope="row">{day.day}</th>
                    <td>{day.messages}</td>
                    <td>{day.activeUsers}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>
      <section class="card" aria-labelledby="top-rooms-title">
        <h2 id="top-rooms-title">{s.topRooms}</h2>
        {activity.topRooms.length === 0 ? (
          <p>{s.noMessages}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{s.room}</th>
                <th scope="col">{s.messages}</th>
              </tr>
            </thead>
            <tbody>
              {activity.topRooms.map((room) => (
                <tr key={room.roomId}>
                  <td>
                    {room.name} <code>{room.roomId}</code>
                  </td>
                  <td>{room.messages}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

/** The chart, drawn by the lazily loaded library; the table above it holds the same numbers for screen readers. */
function Chart({ activity, label }: { activity: Activity; label: string }) {
  const s = pick(overviewStrings);
  const into = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let dispose: (() => void) | undefined;
    let gone = false;
    void import('../chart').then(({ drawDailyChart }) => {
      if (gone || !into.current) return;
      dispose = drawDailyChart(into.current, {
        days: activity.days.map((day) => day.day),
        series: [
          { label: s.messages, values: activity.days.map((day) => day.messages) },
          { label: s.activeUsers, values: activity.days.map((day) => day.activeUsers) },
        ],
      });
    });
    return () => {
      gone = true;
      dispose?.();
    };
  }, [activity]);
  return <div class="chart" ref={into} role="img" aria-label={label} />;
}
