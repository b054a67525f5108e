/** `parley status`, `parley id`, `parley invite [--qr] [--reusable] [--ttl DURATION]` */
import { parseArgs } from 'node:util';
import { usageError } from '../cli-error.ts';
import { connect } from '../client.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { renderQr } from '../qr.ts';

const noArgs = (argv: string[]): void => {
  parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false });
};

export async function status(argv: string[], io: Io, global: Global): Promise<number> {
  noArgs(argv);
  const s = await connect(resolveHome(global.home, io.env)).call('status');
  if (global.json) printJson(io, { running: true, ...s });
  else {
    io.stdout(`running: yes (pid ${s.pid}, version ${s.version})\n`);
    io.stdout(`account: ${s.name} (${s.peerId})\n`);
    io.stdout(`contacts: ${s.contacts} (${s.online} online)\n`);
    io.stdout(`outbox: ${s.outbox} message(s) waiting\n`);
    if (s.reachability) io.stdout(`reachability: ${describeReachability(s.reachability)}\n`);
    if (s.parked > 0) io.stdout(`parked: ${s.parked} message(s) could not be processed\n`);
  }
  return 0;
}

/** One line a person reads: can others reach this device, and how. */
export function describeReachability(r: {
  public: boolean | null;
  nat: string;
  upnp: boolean;
  relays: readonly string[];
}): string {
  const via = r.relays.length > 0 ? `through ${r.relays.length} relay(s)` : '';
  const nat =
    r.nat === 'cone'
      ? 'behind a cone NAT (contacts switch to a direct connection by hole punching)'
      : r.nat === 'symmetric'
        ? 'behind a symmetric NAT (hole punching fails: contacts stay on the relay)'
        : 'behind NAT (its kind is not known yet)';
  if (r.public === true) return `public (directly reachable${r.upnp ? ', UPnP port mapping' : ''})`;
  if (r.relays.length > 0) return `${nat}, reachable ${via}`;
  return r.public === false
    ? `UNREACHABLE: ${nat} with no relay reservation; contacts cannot reach this device until a relay is found (check --bootstrap / --relay)`
    : 'not known yet (no AutoNAT result, no relay reservation yet)';
}

export async function id(argv: string[], io: Io, global: Global): Promise<number> {
  noArgs(argv);
  const me = await connect(resolveHome(global.home, io.env)).call('id');
  if (global.json) printJson(io, me);
  else {
    io.stdout(`name: ${me.name}\npeer id: ${me.peerId}\nfingerprint: ${me.fingerprint}\n`);
    for (const a of me.addresses) io.stdout(`address: ${a}\n`);
  }
  return 0;
}

/** "7d", "12h", "30m", "90s" → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  if (!m) throw usageError(`"${text}" is not a duration like 30m, 12h or 7d`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export async function invite(argv: string[], io: Io, global: Global): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { qr: { type: 'boolean' }, reusable: { type: 'boolean' }, ttl: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const params = {
    reusable: values.reusable ?? false,
    ...(values.ttl ? { ttlMs: parseDuration(values.ttl) } : {}),
  };
  const inv = await connect(resolveHome(global.home, io.env)).call('invite.create', params);
  if (global.json) printJson(io, inv);
  else {
    if (values.qr) io.stdout(renderQr(inv.link, io.env.NO_COLOR === undefined));
    io.stdout(`${inv.link}\n`);
    const until = new Date(inv.expiresAt).toISOString().slice(0, 16).replace('T', ' ');
    io.stderr(
      `${inv.reusable ? 'reusable' : 'single-use'} invite, valid until ${until} UTC; the other person runs: parley contacts add NAME '<link>'\n`,
    );
  }
  return 0;
}
