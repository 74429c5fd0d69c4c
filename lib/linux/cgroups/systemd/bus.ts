// A connection to systemd's manager (org.freedesktop.systemd1) over D-Bus,
// for the systemd cgroup driver: start, change and stop transient units and
// wait for their jobs. As root it is systemd's private socket, as go-systemd
// (runc) connects: no D-Bus daemon is needed, and systemd sends every signal
// there unasked. Elsewhere, or when that socket cannot be reached, the system
// bus, where JobRemoved must be subscribed to.
//
// The protocol is @homebridge/dbus-native's. dbus-next, the better-known
// library, cannot use the private socket: it always says Hello, which only a
// bus daemon answers, and rethrows the refusal as an unhandled rejection;
// dbus-native skips Hello for such peer-to-peer connections (`direct`).
// It is loaded only when the driver connects, so no other command loads it;
// by require, since the CLI's bundle runs in a vm.Script, where import()
// would need a loader callback.
import { createRequire } from 'node:module';
import { TsrunError } from '../../../errors.js';

const SYSTEMD = 'org.freedesktop.systemd1';
const MANAGER_PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';
const PRIVATE_SOCKET = '/run/systemd/private';
const SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket';
/** For a reply, and for a job to finish (runc waits as long for its units). */
const TIMEOUT_MS = 30_000;
/** How often a connection that has not answered its first Ping is woken. */
const NUDGE_MS = 20;

/** A D-Bus variant as dbus-native marshals it: [signature, value]. */
type Variant = [string, unknown];
/** A unit property: (name, value), D-Bus type (sv). */
export type Property = [string, Variant];

/** The part of @homebridge/dbus-native used here (its typings lack createClient). */
interface DBusMessage {
  destination?: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: unknown[];
}
interface Client {
  connection: NodeJS.EventEmitter & { end(): void; stream: import('node:net').Socket };
  signals: NodeJS.EventEmitter;
  invoke(msg: DBusMessage, cb: (err: { name?: string; message?: string } | null, ...reply: unknown[]) => void): void;
  mangle(path: string, iface: string, member: string): string;
}
interface DBusNative {
  createClient(opts: { busAddress: string; direct?: boolean }): Client;
}

/** A systemd D-Bus error, with its name (org.freedesktop.systemd1.NoSuchUnit, ...). */
class SystemdError extends TsrunError {
  constructor(readonly dbusName: string, message: string) {
    super(message);
  }
}

/** A connection to address, authenticated; a failed one is closed. */
async function open(address: string, direct: boolean): Promise<Client> {
  const dbus = createRequire(import.meta.url)('@homebridge/dbus-native') as DBusNative;
  const client = dbus.createClient({ busAddress: address, direct });
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      clearTimeout(timer);
      client.connection.stream.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    client.connection.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connection.once('error', fail);
  });
  return client;
}

export class SystemdBus {
  /** JobRemoved results not yet asked for: the signal may come before the reply. */
  private readonly finished = new Map<string, string>();
  private readonly waiting = new Map<string, (result: string) => void>();
  /** What waits for an answer or a job: failed at once when the connection goes. */
  private readonly failers = new Set<(e: Error) => void>();
  private version: number | undefined;

  private constructor(private readonly client: Client) {
    client.connection.on('error', () => {
      // The socket closes too: the waits fail then.
    });
    client.connection.stream.once('close', () => {
      for (const fail of [...this.failers]) fail(new TsrunError('systemd closed the D-Bus connection'));
    });
    client.signals.on(client.mangle(MANAGER_PATH, MANAGER, 'JobRemoved'), (body: unknown[]) => {
      const [, job, , result] = body as [number, string, string, string];
      const waiter = this.waiting.get(job);
      if (waiter) waiter(result);
      else this.finished.set(job, result);
    });
  }

  /** Connects to systemd: its private socket as root, else (or failing that) the system bus. */
  static async connect(): Promise<SystemdBus> {
    let privateError: unknown;
    if (process.getuid?.() === 0) {
      let client: Client | undefined;
      try {
        client = await open(`unix:path=${PRIVATE_SOCKET}`, true);
      } catch (e) {
        privateError = e;
      }
      if (client) return SystemdBus.ready(client, (bus) => bus.awake());
    }
    const address = process.env.DBUS_SYSTEM_BUS_ADDRESS || SYSTEM_BUS;
    let client: Client;
    try {
      client = await open(address, false);
    } catch (e) {
      const tried = privateError ? `${PRIVATE_SOCKET} (${(privateError as Error).message}) and ` : '';
      throw new TsrunError(`--systemd-cgroup: cannot reach systemd over D-Bus: tried ${tried}${address} (${(e as Error).message})`);
    }
    // On a bus, systemd broadcasts job signals only to subscribers, and the
    // daemon forwards them only to a matching rule.
    return SystemdBus.ready(client, async (bus) => {
      await bus.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch', 's',
        [`type='signal',sender='${SYSTEMD}',path='${MANAGER_PATH}',interface='${MANAGER}',member='JobRemoved'`]);
      await bus.manager('Subscribe');
    });
  }

  /** The bus over client once `setup` is done; closed if it fails. */
  private static async ready(client: Client, setup: (bus: SystemdBus) => Promise<void>): Promise<SystemdBus> {
    const bus = new SystemdBus(client);
    try {
      await setup(bus);
    } catch (e) {
      bus.close();
      throw e;
    }
    return bus;
  }

  close(): void {
    this.client.connection.end();
  }

  /**
   * Waits until systemd answers a Ping. On its private socket, systemd
   * (seen with 252) does not look at a message that arrived in the same read
   * as the handshake's BEGIN until something else arrives on the connection:
   * so while the first Ping is unanswered another is sent now and then.
   */
  private async awake(): Promise<void> {
    let answered = false;
    const first = this.peer('Ping').then(() => {
      answered = true;
    });
    while (!answered) {
      await Promise.race([first, new Promise((resolve) => setTimeout(resolve, NUDGE_MS))]);
      if (!answered) this.peer('Ping').catch(() => {});
    }
  }

  private peer(member: string): Promise<unknown[]> {
    return this.call(SYSTEMD, MANAGER_PATH, 'org.freedesktop.DBus.Peer', member);
  }

  /** Settles as `start` says, or fails after TIMEOUT_MS (to `what`) or when the connection goes. */
  private within<T>(what: string, start: (resolve: (value: T) => void, reject: (e: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.failers.delete(fail);
      };
      const fail = (e: Error) => {
        done();
        reject(e);
      };
      const timer = setTimeout(() => fail(new TsrunError(`systemd did not ${what} within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      // The open connection keeps the process alive meanwhile; a closed one fails the wait.
      timer.unref();
      this.failers.add(fail);
      start((value) => {
        done();
        resolve(value);
      }, fail);
    });
  }

  private call(destination: string, path: string, iface: string, member: string, signature = '', body: unknown[] = []): Promise<unknown[]> {
    return this.within(`answer ${member}`, (resolve, reject) => {
      this.client.invoke({ destination, path, interface: iface, member, signature, body }, (err, ...reply) => {
        if (err) reject(new SystemdError(err.name ?? 'org.freedesktop.DBus.Error.Failed', `${member}: ${err.message || err.name}`));
        else resolve(reply);
      });
    });
  }

  private manager(member: string, signature?: string, body?: unknown[]): Promise<unknown[]> {
    return this.call(SYSTEMD, MANAGER_PATH, MANAGER, member, signature, body);
  }

  /** Resolves with the job's result ("done", "failed", "canceled", ...). */
  private async job(path: string, what: string): Promise<string> {
    const known = this.finished.get(path);
    if (known !== undefined) {
      this.finished.delete(path);
      return known;
    }
    try {
      return await this.within<string>(`finish ${what}`, (resolve) => this.waiting.set(path, resolve));
    } finally {
      this.waiting.delete(path);
    }
  }

  /** systemd's version number (252 for "252.38-1~deb12u1"). */
  async systemdVersion(): Promise<number> {
    if (this.version === undefined) {
      const [value] = await this.call(SYSTEMD, MANAGER_PATH, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [MANAGER, 'Version']);
      // A variant comes back as [[signature], [value]].
      const text = String((value as [unknown, unknown[]])[1][0]);
      this.version = Number.parseInt(text.replace(/^v/, ''), 10) || 0;
    }
    return this.version;
  }

  /**
   * StartTransientUnit, then waits for its job. A failed unit of the same
   * name (left by an earlier container) is reset and the start tried again,
   * as runc does.
   */
  async startTransientUnit(name: string, properties: Property[]): Promise<void> {
    const start = () => this.manager('StartTransientUnit', 'ssa(sv)a(sa(sv))', [name, 'replace', properties, []]);
    let reply: unknown[];
    try {
      reply = await start();
    } catch (e) {
      if (!(e instanceof SystemdError) || e.dbusName !== 'org.freedesktop.systemd1.UnitExists') throw e;
      await this.resetFailedUnit(name);
      reply = await start();
    }
    const result = await this.job(String(reply[0]), `starting ${name}`);
    if (result !== 'done') throw new TsrunError(`systemd could not start ${name}: its job ended "${result}"`);
  }

  /** StopUnit and its job; a unit that is gone already is fine. Then its failed state is reset. */
  async stopUnit(name: string): Promise<void> {
    try {
      const [job] = await this.manager('StopUnit', 'ss', [name, 'replace']);
      const result = await this.job(String(job), `stopping ${name}`);
      if (result !== 'done') throw new TsrunError(`systemd could not stop ${name}: its job ended "${result}"`);
    } catch (e) {
      if (!(e instanceof SystemdError) || e.dbusName !== 'org.freedesktop.systemd1.NoSuchUnit') throw e;
    }
    await this.resetFailedUnit(name);
  }

  /** Forgets a failed unit so that its name can be used again; not failing is fine. */
  private async resetFailedUnit(name: string): Promise<void> {
    try {
      await this.manager('ResetFailedUnit', 's', [name]);
    } catch (e) {
      if (!(e instanceof SystemdError)) throw e;
    }
  }

  /** Changes a live unit's properties (runtime only, as runc). */
  async setUnitProperties(name: string, properties: Property[]): Promise<void> {
    if (properties.length) await this.manager('SetUnitProperties', 'sba(sv)', [name, true, properties]);
  }
}
