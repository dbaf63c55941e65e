import { io } from 'socket.io-client';
import { Emitter } from './emitter';
import { ChatError, parseErrorBody, toChatError } from './errors';
import { createHttpClient, type HttpMethod } from './http';
import type {
  Attachment,
  Author,
  BanRequest,
  BlocksResponse,
  ChallengeResponse,
  PrePublishHook,
  PrePublishHookRequest,
  PrePublishHookResponse,
  CreateRoomRequest,
  GuestRequest,
  IdentifyRequest,
  LoginRequest,
  ModerationAction,
  ModerationLogResponse,
  RegisterRequest,
  ReportedMessage,
  ReportSettings,
  ReportSettingsResponse,
  ReportsResponse,
  ResolveReportRequest,
  ResolveReportResponse,
  RoleRequest,
  RoleResponse,
  RoomInfo,
  RoomResponse,
  RoomsResponse,
  SessionCheckResponse,
  SessionResponse,
  SiteInfoResponse,
  SiteSettings,
  SiteSettingsResponse,
  StaffResponse,
  UpdateRoomRequest,
  UpdateSiteSettingsRequest,
  User,
  WordFilterResponse,
  WordFilterSettings,
  WebhookDeliveriesResponse,
  WebhookDelivery,
  WebhookDeliveryResponse,
  WebhookEndpoint,
  WebhookEndpointRequest,
  WebhookEndpointResponse,
  WebhookEndpointsResponse,
  EmailSettings,
  DataExport,
  HandshakeAuth,
} from './protocol';
import { type ChatSocket, requestPatiently } from './room/requests';
import { DefaultRoom, type Room } from './room/room';
import { type AttachmentVariant, upload, uploadPath, type Uploads } from './uploads';
import type { Email } from './email';
import type { Privacy } from './privacy';

/** A room's broadcasts that arrive while its join is on its way, kept for the room once it exists. */
type Early = Array<(room: DefaultRoom) => void>;

// a rejoin or a connection the server could not answer is asked again after 1 s, 2 s, 4 s … up to 10 s (±50 %)
const RETRY_DELAY_MS = 1_000;
const RETRY_MAX_DELAY_MS = 10_000;
const retryDelay = (attempt: number) => Math.min(RETRY_MAX_DELAY_MS, RETRY_DELAY_MS * 2 ** (attempt - 1)) * (0.5 + Math.random());

/** Where the session token is kept between page loads; the default keeps it in memory. */
export interface TokenStorage {
  get(): string | null;
  set(token: string | null): void;
}

export interface ChatClientOptions {
  /** The Parley server, e.g. `https://chat.example.com`. */
  baseUrl: string;
  /** The site id the account belongs to. */
  site: string;
  /** Token storage; defaults to memory. */
  storage?: TokenStorage;
  /**
   * How the session travels. `token` (default): a bearer token kept in `storage`, for any origin and for Node.
   * `cookie`: httpOnly cookies the server sets, for pages served by the Parley server itself (the widget app);
   * no script can read the session id.
   */
  session?: 'token' | 'cookie';
  /** How long to wait for the server's answer to a socket request. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** How long `room.send()` keeps trying (across reconnects) before it rejects with `unavailable`. Default 30 000 ms. */
  sendTimeoutMs?: number;
  /**
   * The page the chat is shown on (e.g. `location.href`; the server keeps its origin and path, on one of the site's
   * allowed origins): email digests link back to it. Sent only for users with an address.
   */
  page?: string;
  /** The user's language (BCP 47): email digests are written in it (en, es, zh; others get English). */
  locale?: string;
}

export type ConnectionStatus = 'connecting' | 'online' | 'offline';

/** What a visitor may do before signing in (see `ChatClient.site()`). */
export type SiteInfo = SiteInfoResponse['site'];

/**
 * Why the client is `offline` or `connecting` again: `signed-out` (not signed in, or logout), `session-ended`
 * (logged out elsewhere, expired, or banned), `refused` (the server refused the connection), `closed` (close()),
 * `connection-lost` (a network drop, or a server that could not check the session for now because its database is
 * away; the client is reconnecting by itself).
 */
export type StatusReason = 'signed-out' | 'session-ended' | 'refused' | 'closed' | 'connection-lost';

export interface ChatClientEvents {
  /** The connection changed; `reason` says why it is not `online`. */
  status: (status: ConnectionStatus, reason: StatusReason | undefined) => void;
  /** The signed-in user changed: after login, register, restore, logout or an expired session. */
  user: (user: User | null) => void;
  /** A failure not tied to a call, such as the server refusing the connection. */
  error: (error: ChatError) => void;
}

/**
 * The client without the site's administration (rooms, settings, hooks, word filter, reports, the moderation log):
 * what a chat UI such as the widget needs. `createChatClient()` answers the whole ChatClient.
 */
export interface CoreChatClient extends Pick<Uploads, 'upload' | 'attachmentUrl'>, Email, Privacy {
  readonly user: User | null;
  readonly status: ConnectionStatus;
  /** Why `status` is not `online`, when it is not. */
  readonly statusReason: StatusReason | undefined;
  on<K extends keyof ChatClientEvents>(event: K, listener: ChatClientEvents[K]): () => void;
  /** Creates an account and signs in. */
  register(input: RegisterRequest): Promise<User>;
  login(input: LoginRequest): Promise<User>;
  /**
   * Signs in a user your site already knows, with no Parley password. Pass `{ token }`: a JWT your server signs
   * (HS256, the site's identity secret) with `sub`, `name`, optional `email` and an `exp` at most 24 h away; it
   * covers the name, so the user is renamed to `name`. The legacy `{ userId, displayName, hash }` (HMAC-SHA256 of
   * `userId`) never expires and never renames an existing user. Either is computed on your server, never in the browser.
   *
   * @example
   * await chat.identify({ token: await (await fetch('/parley-token')).text() });
   */
  identify(input: IdentifyRequest): Promise<User>;
  /** Signs in again with the stored token; resolves with null when there is none or it expired. */
  restore(): Promise<User | null>;
  logout(): Promise<void>;
  /**
   * Signs in as a guest under a display name (unique among the site's members and guests), where some room takes
   * guests (`site().guests`). A guest chats in rooms whose access is `guests`, reads `read-only` ones, and becomes a
   * member, keeping their messages, by calling `register()`.
   */
  guest(input: GuestRequest): Promise<User>;
  /** What a visitor may do before signing in: read some rooms without an account (`read`), sign in as a guest (`guests`). */
  site(): Promise<SiteInfo>;
  /**
   * Joins a room. Signed out, the client reads instead, over a socket without a session: rooms whose access is
   * `guests` or `read-only` can be joined, with history, live messages and the online list; sends are `unauthorized`.
   */
  join(roomId: string): Promise<Room>;
  /** Moderators: bans a user from the site; their sessions end and their sockets close at once. */
  ban(userId: string, options?: BanRequest): Promise<void>;
  /**
   * Hides a user's messages and typing from you, in every room and from now on (kept on the server: every device of
   * yours, after every sign-in). Messages already delivered stay where you put them: drop them by `author.id`.
   */
  block(userId: string): Promise<void>;
  unblock(userId: string): Promise<void>;
  /** Releases the socket, rooms and listeners. The client is unusable afterwards. */
  close(): void;
}

/**
 * A Parley client for browsers and Node.
 *
 * @example
 * const chat = createChatClient({ baseUrl: 'https://chat.example.com', site: 'acme' });
 * await chat.login({ username: 'ada', password: 'correct horse battery staple' });
 * const room = await chat.join('general');
 * room.on('message', (m) => console.log(`${m.author.displayName}: ${m.text}`));
 */
export interface ChatClient extends CoreChatClient, Uploads {
  /** The site's rooms: every one, archived ones too, for members; those they may read for guests and visitors. */
  rooms(): Promise<RoomInfo[]>;
  /** Admins: creates a room. */
  createRoom(input: CreateRoomRequest): Promise<RoomInfo>;
  /**
   * Admins rename, archive (`archived: true`) or unarchive a room and set its `access` (null: the site's);
   * moderators set its slow mode (`slowModeSeconds`, 0 for off) or pause it (`paused: true`: only moderators post
   * until `paused: false`). Members in it get a `change` event.
   */
  updateRoom(roomId: string, change: UpdateRoomRequest): Promise<RoomInfo>;
  /** Moderators: lifts a ban. */
  unban(userId: string): Promise<void>;
  /** Moderators: the moderation log, newest first; pass the last entry's id as `before` for the next page. */
  moderationLog(options?: { before?: string; limit?: number }): Promise<ModerationAction[]>;
  /** Admins: the site's access, posting rights and how long a banned guest's network stays banned. */
  settings(): Promise<SiteSettings>;
  /**
   * Admins: changes the site's settings; answers them as stored.
   *
   * @example
   * await chat.updateSettings({ access: 'guests', postingRights: { links: 'member' } }); // guests post, but no links
   */
  updateSettings(change: UpdateSiteSettingsRequest): Promise<SiteSettings>;
  /** Admins: gives a user a rank below your own (`member`, `moderator`; the owner also `admin`). */
  setRole(userId: string, role: RoleRequest['role']): Promise<void>;
  /** Admins: the site's pre-publish hook (without its secret), or null. */
  prePublishHook(): Promise<PrePublishHook | null>;
  /**
   * Admins: sets the site's pre-publish hook, asked before every message and edit is stored; answers it, with its
   * signing `secret` when it was created or rotated (`rotateSecret: true`) — shown this once.
   */
  setPrePublishHook(hook: PrePublishHookRequest): Promise<PrePublishHookResponse>;
  /** Admins: removes the site's pre-publish hook. */
  removePrePublishHook(): Promise<void>;
  /** Admins: everything Parley holds about a user of the site (what `exportData()` gives the user). */
  exportUserData(userId: string): Promise<DataExport>;
  /** Admins: deletes a user's account below their rank, as `deleteAccount()` does for the user. */
  eraseUser(userId: string): Promise<void>;
  /** Admins: the site's webhook endpoints, with their signing secrets. */
  webhooks(): Promise<WebhookEndpoint[]>;
  /**
   * Admins: adds a webhook endpoint (at most 10 a site); answers it with its signing `secret`. Events the site's
   * endpoints listen to are queued before what made them is acknowledged, POSTed signed, and retried for a day.
   *
   * @example
   * const endpoint = await chat.addWebhook({ url: 'https://example.com/parley', events: ['message.created'] });
   */
  addWebhook(endpoint: WebhookEndpointRequest): Promise<WebhookEndpoint>;
  /** Admins: changes an endpoint (`enabled: true` also clears a disable; `rotateSecret: true` makes a new secret). */
  updateWebhook(id: string, change: Partial<WebhookEndpointRequest>): Promise<WebhookEndpoint>;
  /** Admins: removes an endpoint, and what it had still to send. */
  removeWebhook(id: string): Promise<void>;
  /** Admins: an endpoint's deliveries, newest first, with every attempt (status, duration, the answer's start). */
  webhookDeliveries(id: string, options?: { before?: string; limit?: number }): Promise<WebhookDeliveriesResponse>;
  /** Admins: sends a delivery again now (retried as a new one would be). */
  resendWebhookDelivery(id: string, deliveryId: string): Promise<WebhookDelivery>;
  /** Admins: the site's moderators, admins and owner. */
  staff(): Promise<StaffResponse['staff']>;
  /** Admins: the site's word filter (an empty list when none is set). */
  wordFilter(): Promise<WordFilterSettings>;
  /**
   * Admins: replaces the site's word filter; answers the list as stored.
   *
   * @example
   * await chat.setWordFilter({ entries: ['darn', 'heck*', 'go away'], action: 'mask' });
   * // a member's "d4rn it" is stored and shown as "**** it"
   */
  setWordFilter(settings: WordFilterSettings): Promise<WordFilterSettings>;
  /** The users you blocked, in the order blocked. */
  blockedUsers(): Promise<Author[]>;
  /** Moderators: messages with open reports (the text in full, hidden or not), the most recently reported first. */
  reports(): Promise<ReportedMessage[]>;
  /**
   * Moderators: closes a message's open reports: `dismiss` (shown again if hidden), `delete` it, or `mute` (with
   * `durationMs`) or `ban` its author, which delete it too.
   *
   * @example
   * const [first] = await chat.reports();
   * if (first) await chat.resolveReport({ roomId: first.message.roomId, seq: first.message.seq, action: 'delete' });
   */
  resolveReport(request: ResolveReportRequest): Promise<ResolveReportResponse>;
  /** Admins: how many users' reports hide a message (`hideAfter`, 0: never; 3 unless set). */
  reportSettings(): Promise<ReportSettings>;
  setReportSettings(settings: ReportSettings): Promise<ReportSettings>;
}

export function createChatClient(options: ChatClientOptions): ChatClient {
  return new DefaultChatClient(options);
}

/**
 * A client without the site's administration calls (CoreChatClient): what a chat UI needs, and all a bundler keeps
 * of the client when nothing else is used. The widget's app uses it.
 */
export function createCoreClient(options: ChatClientOptions): CoreChatClient {
  return new CoreClient(options);
}

function memoryStorage(): TokenStorage {
  let token: string | null = null;
  return { get: () => token, set: (value) => void (token = value) };
}

class CoreClient implements CoreChatClient {
  user: User | null = null;
  status: ConnectionStatus = 'offline';
  statusReason: StatusReason | undefined = 'signed-out';
  readonly #events = new Emitter<ChatClientEvents>();
  readonly #storage: TokenStorage;
  readonly #http;
  readonly #timeoutMs: number;
  readonly #sendTimeoutMs: number;
  readonly #cookies: boolean;
  #socket: ChatSocket | null = null;
  readonly #joined = new Map<string, DefaultRoom>();
  // the users this one blocked: their messages and typing are not delivered
  readonly #blocked = new Set<string>();
  // rooms whose join is on its way: their broadcasts until the answer
  readonly #joining = new Map<string, Early>();
  // rejoins and connection attempts waiting for a server that could not answer; cleared when the socket goes
  readonly #retryTimers = new Set<ReturnType<typeof setTimeout>>();

  readonly #options: ChatClientOptions;

  constructor(options: ChatClientOptions) {
    this.#options = options;
    this.#storage = options.storage ?? memoryStorage();
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    this.#cookies = options.session === 'cookie';
    this.#http = createHttpClient(options.baseUrl, options.site, () => this.#storage.get(), this.#cookies ? 'same-origin' : 'omit');
  }

  upload(file: Blob | ArrayBuffer | Uint8Array, name?: string): Promise<Attachment> {
    return upload(this.#http, file, name);
  }

  emailSettings(): Promise<EmailSettings> {
    return this.#emailCalls().then((calls) => calls.emailSettings());
  }

  setEmail(address: string): Promise<EmailSettings> {
    return this.#emailCalls().then((calls) => calls.setEmail(address));
  }

  setEmailNotifications(notify: boolean): Promise<EmailSettings> {
    return this.#emailCalls().then((calls) => calls.setEmailNotifications(notify));
  }

  removeEmail(): Promise<EmailSettings> {
    return this.#emailCalls().then((calls) => calls.removeEmail());
  }

  // email and data rights load when first used (the widget's app downloads them then)
  async #emailCalls(): Promise<Email> {
    return (await import('./email')).emailCalls(this.#http, { page: this.#options.page, locale: this.#options.locale });
  }

  async exportData(): Promise<DataExport> {
    return (await import('./privacy')).exportData(this.#http);
  }

  async deleteAccount(password?: string): Promise<void> {
    await (await import('./privacy')).deleteAccount(this.#http, password);
    this.#signOut('session-ended');
  }

  attachmentUrl(attachment: Pick<Attachment, 'id'>, variant?: AttachmentVariant): string {
    return this.#http.root + uploadPath(attachment, variant);
  }

  /** The site's HTTP API, for the administration calls of ChatClient. */
  protected request<T>(method: HttpMethod, path: string, body?: object): Promise<T> {
    return this.#http.request<T>(method, path, body);
  }

  protected raw(method: HttpMethod, path: string): Promise<Response> {
    return this.#http.raw(method, path);
  }

  on<K extends keyof ChatClientEvents>(event: K, listener: ChatClientEvents[K]): () => void {
    return this.#events.on(event, listener);
  }

  async register(input: RegisterRequest): Promise<User> {
    const { username, displayName, password } = input; // only the contract's fields: the server refuses unknown ones
    return this.#signIn(await this.#http.request<SessionResponse>('POST', 'register', { username, displayName, password, proof: await this.#proof() }));
  }

  async login(input: LoginRequest): Promise<User> {
    const { username, password } = input;
    return this.#signIn(await this.#http.request<SessionResponse>('POST', 'login', { username, password }));
  }

  async identify(input: IdentifyRequest): Promise<User> {
    // only the contract's fields, of one form: the server refuses unknown ones
    const { token, userId, displayName, hash } = input as Partial<{ token: string; userId: string; displayName: string; hash: string }>;
    return this.#signIn(await this.#http.request<SessionResponse>('POST', 'identify', token ? { token } : { userId, displayName, hash }));
  }

  async restore(): Promise<User | null> {
    if (!this.#cookies && !this.#storage.get()) return null;
    // not /me: its 401 for a signed-out visitor (cookie mode cannot tell) is logged as an error by browsers
    const { user } = await this.#http.request<SessionCheckResponse>('GET', 'session');
    if (!user) {
      this.#storage.set(null);
      return null;
    }
    this.#connect(); // before 'user' fires, so a listener may join rooms at once
    this.#setUser(user);
    return user;
  }

  async logout(): Promise<void> {
    try {
      if (this.#cookies || this.#storage.get()) await this.#http.request<void>('POST', 'logout');
    } finally {
      this.#signOut();
    }
  }

  async guest({ displayName }: GuestRequest): Promise<User> {
    return this.#signIn(await this.#http.request<SessionResponse>('POST', 'guest', { displayName, proof: await this.#proof() }));
  }

  async site(): Promise<SiteInfo> {
    return (await this.#http.request<SiteInfoResponse>('GET', 'info')).site;
  }

  async join(roomId: string): Promise<Room> {
    // signed out: a reader's socket (the server lets it read the rooms open to visitors)
    if (!this.user) this.#connect();
    const socket = this.#socket;
    if (!socket) throw new ChatError('unauthorized', 'unable to join room; sign in first');
    const existing = this.#joined.get(roomId);
    if (existing) return existing;
    // the room's broadcasts that arrive before the answer, for the room once it exists
    const early: Early = [];
    this.#joining.set(roomId, early);
    // a refused join (too many room requests) is waited out, unless the client signs out or closes meanwhile
    const joined = await requestPatiently('join room', () => socket.timeout(this.#timeoutMs).emitWithAck('room:join', { roomId }), () => this.#socket !== socket).finally(
      () => this.#joining.get(roomId) === early && this.#joining.delete(roomId),
    );
    const room = new DefaultRoom(
      {
        socket,
        http: this.#http,
        requestTimeoutMs: this.#timeoutMs,
        sendTimeoutMs: this.#sendTimeoutMs,
        onLeave: (left) => this.#joined.delete(left.id),
        onError: (error) => this.#events.emit('error', error),
        blocked: this.#blocked,
        me: () => this.user?.id,
      },
      joined,
      early,
    );
    this.#joined.set(room.id, room);
    return room;
  }

  async ban(userId: string, options: BanRequest = {}): Promise<void> {
    await this.#http.request<void>('POST', `users/${encodeURIComponent(userId)}/ban`, { reason: options.reason });
  }

  async block(userId: string): Promise<void> {
    await this.#http.request<void>('POST', 'blocks', { userId });
    this.#blocked.add(userId);
  }

  async unblock(userId: string): Promise<void> {
    await this.#http.request<void>('DELETE', `blocks/${encodeURIComponent(userId)}`);
    this.#blocked.delete(userId);
  }

  close(): void {
    this.#disconnect('closed');
    this.#events.clear();
  }

  /** Sign-up's proof of work, solved here when the server asks for one (the solver loads only then). */
  async #proof(): Promise<string | undefined> {
    const { challenge } = await this.#http.request<ChallengeResponse>('GET', 'challenge');
    return challenge ? (await import('./proof-of-work')).solve(challenge) : undefined;
  }

  #signIn(session: SessionResponse): User {
    if (!this.#cookies) {
      // the server keeps the id out of answers to pages of its own origin: those must use its cookies
      if (!session.token) throw new ChatError('internal', "unable to sign in; no token: use session: 'cookie'");
      this.#storage.set(session.token);
    }
    this.#disconnect('signed-out'); // a new session means a new socket
    this.#connect(); // before 'user' fires, so a listener may join rooms at once
    this.#setUser(session.user);
    return session.user;
  }

  #signOut(reason: StatusReason = 'signed-out'): void {
    this.#storage.set(null);
    this.#disconnect(reason);
    this.#setUser(null);
  }

  #setUser(user: User | null): void {
    this.user = user;
    // kept in place: the rooms hold this set and see a change at once
    this.#blocked.clear();
    for (const id of user?.blocked ?? []) this.#blocked.add(id);
    this.#events.emit('user', user);
  }

  #setStatus(status: ConnectionStatus, reason?: StatusReason): void {
    if (status === this.status && reason === this.statusReason) return;
    this.status = status;
    this.statusReason = status === 'online' ? undefined : reason;
    this.#events.emit('status', status, this.statusReason);
  }

  #connect(): void {
    if (this.#socket) return;
    const socket: ChatSocket = io(this.#options.baseUrl, {
      // `read`: without a session, the server opens a socket that only reads (rooms open to visitors)
      auth: (send) => send({ site: this.#options.site, token: this.#storage.get() ?? undefined, read: true, page: this.#options.page, locale: this.#options.locale } satisfies HandshakeAuth),
      withCredentials: this.#cookies,
      // what the server offers: no WebTransport (and the widget's build leaves its code out)
      transports: ['polling', 'websocket'],
      // reconnect forever, 0.5 s doubling to 10 s, each delay ±50 % so a restarted server is not hit all at once
      reconnectionDelay: 500,
      reconnectionDelayMax: 10_000,
      randomizationFactor: 0.5,
    });
    this.#socket = socket;
    this.#setStatus('connecting');

    let connectedBefore = false;
    let refusedInARow = 0;
    socket.on('connect', () => {
      refusedInARow = 0;
      this.#setStatus('online');
      if (connectedBefore) void this.#rejoinAll();
      connectedBefore = true;
    });
    socket.on('disconnect', () => {
      for (const room of this.#joined.values()) room.outbox.suspend();
      this.#setStatus(socket.active ? 'connecting' : 'offline', socket.active ? 'connection-lost' : 'refused');
    });
    socket.on('connect_error', (err) => {
      const body = parseErrorBody({ error: (err as Error & { data?: unknown }).data });
      if (!socket.active) {
        const error = body ? ChatError.fromBody(body) : new ChatError('unauthorized', 'unable to connect; the session was refused');
        this.#events.emit('error', error);
        if (error.code === 'unavailable') {
          // the server could not check the session just now (its database away): not a refusal, ask again later
          this.#setStatus('connecting', 'connection-lost');
          refusedInARow += 1;
          this.#retryLater(() => this.#socket === socket && socket.connect(), refusedInARow);
          return;
        }
        // refused by the server, not a network blip: the session is gone
        this.#setStatus('offline', 'refused');
        if (error.code === 'unauthorized') this.#signOut('session-ended');
      } else {
        this.#setStatus('connecting', 'connection-lost');
      }
    });
    socket.on('session:ended', ({ reason }) => {
      if (reason === 'banned') this.#events.emit('error', new ChatError('forbidden', 'unable to stay signed in; this account was banned from the site', { reason: 'banned' }));
      this.#signOut('session-ended');
    });
    // to the room, or kept for it while its join is on its way
    const toRoom = (roomId: string, event: (room: DefaultRoom) => void) => {
      const room = this.#joined.get(roomId);
      room ? event(room) : this.#joining.get(roomId)?.push(event);
    };
    socket.on('message:new', (message) => toRoom(message.roomId, (room) => room.receive(message)));
    socket.on('message:updated', (message) => toRoom(message.roomId, (room) => room.update(message)));
    socket.on('room:updated', (room) => toRoom(room.id, (joined) => joined.changed(room)));
    // not kept while a join is on its way: the answer's online list is the room's as the answer left, and the same
    // user's leave (an earlier connection of theirs) replayed after it would drop them from it
    socket.on('presence:join', ({ roomId, user }) => this.#joined.get(roomId)?.presence.joined(user));
    socket.on('presence:leave', ({ roomId, user }) => this.#joined.get(roomId)?.presence.left(user));
    socket.on('typing:update', ({ roomId, user }) => this.#blocked.has(user.id) || toRoom(roomId, (room) => room.typists.started(user)));
  }

  async #rejoinAll(): Promise<void> {
    for (const room of this.#joined.values()) await this.#rejoin(room, 1);
  }

  /**
   * Joins a room again after a reconnect. A server that cannot answer yet (`unavailable`: a node of the cluster
   * restarting, the database away) gets asked again with backoff while the connection lasts: a room must not stay
   * silently unjoined, with sends waiting for it.
   */
  async #rejoin(room: DefaultRoom, attempt: number): Promise<void> {
    try {
      await room.catchUp();
    } catch (error) {
      const failure = toChatError(error);
      this.#events.emit('error', failure);
      if (failure.code !== 'unavailable' || !this.#socket?.connected || this.#joined.get(room.id) !== room) return;
      this.#retryLater(() => this.#socket?.connected && this.#joined.get(room.id) === room && this.#rejoin(room, attempt + 1), attempt);
    }
  }

  #retryLater(retry: () => unknown, attempt: number): void {
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      retry();
    }, retryDelay(attempt));
    this.#retryTimers.add(timer);
  }

  #disconnect(reason: StatusReason): void {
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    this.#socket?.removeAllListeners();
    this.#socket?.disconnect();
    this.#socket = null;
    for (const room of this.#joined.values()) room.dispose();
    this.#joined.clear();
    this.#setStatus('offline', reason);
  }
}

/** The whole client: the core, and the site's administration (each call checks the user's rank on the server). */
class DefaultChatClient extends CoreClient implements ChatClient {
  async rooms(): Promise<RoomInfo[]> {
    return (await this.request<RoomsResponse>('GET', 'rooms')).rooms;
  }

  async createRoom(input: CreateRoomRequest): Promise<RoomInfo> {
    const { id, name } = input;
    return (await this.request<RoomResponse>('POST', 'rooms', { id, name })).room;
  }

  async updateRoom(roomId: string, change: UpdateRoomRequest): Promise<RoomInfo> {
    const { name, archived, slowModeSeconds, paused, access } = change;
    return (await this.request<RoomResponse>('PATCH', `rooms/${encodeURIComponent(roomId)}`, { name, archived, slowModeSeconds, paused, access })).room;
  }

  async unban(userId: string): Promise<void> {
    await this.request<void>('DELETE', `users/${encodeURIComponent(userId)}/ban`);
  }

  async moderationLog(options: { before?: string; limit?: number } = {}): Promise<ModerationAction[]> {
    const query = new URLSearchParams();
    if (options.before !== undefined) query.set('before', options.before);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const path = query.size > 0 ? `moderation?${query}` : 'moderation';
    return (await this.request<ModerationLogResponse>('GET', path)).actions;
  }

  async settings(): Promise<SiteSettings> {
    return (await this.request<SiteSettingsResponse>('GET', 'settings')).settings;
  }

  async updateSettings(change: UpdateSiteSettingsRequest): Promise<SiteSettings> {
    return (await this.request<SiteSettingsResponse>('PATCH', 'settings', change)).settings;
  }

  async setRole(userId: string, role: RoleRequest['role']): Promise<void> {
    await this.request<RoleResponse>('PUT', `users/${encodeURIComponent(userId)}/role`, { role });
  }

  async prePublishHook(): Promise<PrePublishHook | null> {
    return (await this.request<PrePublishHookResponse>('GET', 'pre-publish')).hook;
  }

  setPrePublishHook({ url, timeoutMs, failOpen, rotateSecret }: PrePublishHookRequest): Promise<PrePublishHookResponse> {
    return this.request<PrePublishHookResponse>('PUT', 'pre-publish', { url, timeoutMs, failOpen, rotateSecret });
  }

  async removePrePublishHook(): Promise<void> {
    await this.request<void>('DELETE', 'pre-publish');
  }

  exportUserData(userId: string): Promise<DataExport> {
    return this.request<DataExport>('GET', `users/${encodeURIComponent(userId)}/export`);
  }

  async eraseUser(userId: string): Promise<void> {
    await this.request<void>('POST', `users/${encodeURIComponent(userId)}/erase`, {});
  }

  async webhooks(): Promise<WebhookEndpoint[]> {
    return (await this.request<WebhookEndpointsResponse>('GET', 'webhooks')).endpoints;
  }

  async addWebhook({ url, events, description, enabled }: WebhookEndpointRequest): Promise<WebhookEndpoint> {
    return (await this.request<WebhookEndpointResponse>('POST', 'webhooks', { url, events, description, enabled })).endpoint;
  }

  async updateWebhook(id: string, { url, events, description, enabled, rotateSecret }: Partial<WebhookEndpointRequest>): Promise<WebhookEndpoint> {
    return (await this.request<WebhookEndpointResponse>('PATCH', `webhooks/${encodeURIComponent(id)}`, { url, events, description, enabled, rotateSecret })).endpoint;
  }

  async removeWebhook(id: string): Promise<void> {
    await this.request<void>('DELETE', `webhooks/${encodeURIComponent(id)}`);
  }

  webhookDeliveries(id: string, options: { before?: string; limit?: number } = {}): Promise<WebhookDeliveriesResponse> {
    const query = new URLSearchParams();
    if (options.before !== undefined) query.set('before', options.before);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    return this.request<WebhookDeliveriesResponse>('GET', `webhooks/${encodeURIComponent(id)}/deliveries${query.size > 0 ? `?${query}` : ''}`);
  }

  async resendWebhookDelivery(id: string, deliveryId: string): Promise<WebhookDelivery> {
    return (await this.request<WebhookDeliveryResponse>('POST', `webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/resend`)).delivery;
  }

  async staff(): Promise<StaffResponse['staff']> {
    return (await this.request<StaffResponse>('GET', 'staff')).staff;
  }

  async wordFilter(): Promise<WordFilterSettings> {
    return (await this.request<WordFilterResponse>('GET', 'word-filter')).wordFilter;
  }

  async setWordFilter(settings: WordFilterSettings): Promise<WordFilterSettings> {
    const { entries, action } = settings;
    return (await this.request<WordFilterResponse>('PUT', 'word-filter', { entries, action })).wordFilter;
  }

  async blockedUsers(): Promise<Author[]> {
    return (await this.request<BlocksResponse>('GET', 'blocks')).blocked;
  }

  async reports(): Promise<ReportedMessage[]> {
    return (await this.request<ReportsResponse>('GET', 'reports')).reported;
  }

  resolveReport({ roomId, seq, action, durationMs }: ResolveReportRequest): Promise<ResolveReportResponse> {
    return this.request<ResolveReportResponse>('POST', 'reports/resolve', { roomId, seq, action, durationMs });
  }

  async reportSettings(): Promise<ReportSettings> {
    return (await this.request<ReportSettingsResponse>('GET', 'report-settings')).reportSettings;
  }

  async setReportSettings({ hideAfter }: ReportSettings): Promise<ReportSettings> {
    return (await this.request<ReportSettingsResponse>('PUT', 'report-settings', { hideAfter })).reportSettings;
  }

  async download(attachment: Pick<Attachment, 'id'>, variant?: AttachmentVariant): Promise<Blob> {
    return (await this.raw('GET', uploadPath(attachment, variant))).blob();
  }
}
