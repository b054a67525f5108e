/**
 * `parley init --link LINK [--name DEVICE] [--passphrase-stdin | --no-passphrase] [--network …]`:
 * makes this home a new device of an account already used on another device (docs/MULTI-DEVICE.md
 * "Linking"). `--link -` reads the link (a secret) from stdin's first line, so it stays out of the
 * shell's history; with --passphrase-stdin the passphrase is the second line.
 */
import { hostname } from 'node:os';
import { completeLink, decodeDeviceLink, linkRequest, requestLink } from '@parley/core';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { createParleyTransport } from '@parley/net';
import { CliError, usageError } from '../cli-error.ts';
import { finishLinking, PASSPHRASE_MIN_CHARS, startLinking } from '../daemon/account-setup.ts';
import { ensureHome, resolveHome } from '../home.ts';
import { type Global, type Io, printJson, readStdin } from '../io.ts';
import { progressBar } from '../progress.ts';
import { parseNetwork } from './daemon.ts';
import { readPassphrase } from './passphrase.ts';

export interface LinkOptions {
  readonly link: string;
  readonly name?: string | undefined;
  readonly passphraseStdin: boolean;
  readonly noPassphrase: boolean;
  readonly network?: string | undefined;
  readonly bootstrap: readonly string[];
  readonly listen: readonly string[];
  readonly privateAddresses: boolean;
  readonly mdns: boolean;
}

/** The listen addresses of a linking node: any free TCP port (it only asks, it is not asked). */
const LINK_LISTEN = ['/ip4/0.0.0.0/tcp/0'];

export async function initByLink(o: LinkOptions, io: Io, global: Global): Promise<number> {
  if (o.passphraseStdin && o.noPassphrase)
    throw usageError('choose one of --passphrase-stdin and --no-passphrase');
  let link = o.link;
  let passphrase: string | null = null;
  if (link === '-') {
    const lines = (await readStdin(io)).split(/\r?\n/);
    link = (lines[0] ?? '').trim();
    if (link.length === 0) throw usageError('--link - reads the link from stdin, which was empty');
    if (o.passphraseStdin) passphrase = lines[1] ?? '';
  } else if (o.passphraseStdin) passphrase = await readPassphrase(io, true, false);
  const offer = (() => {
    try {
      return decodeDeviceLink(link, Date.now());
    } catch (error) {
      throw new CliError((error as { code?: string }).code ?? 'bad-link', (error as Error).message);
    }
  })();
  if (!o.noPassphrase && passphrase === null) passphrase = await readPassphrase(io, false, true);
  if (passphrase !== null && passphrase.length < PASSPHRASE_MIN_CHARS)
    throw new CliError('weak-passphrase', `a passphrase needs at least ${PASSPHRASE_MIN_CHARS} characters`);
  const home = resolveHome(global.home, io.env);
  ensureHome(home);
  const name = o.name ?? (hostname().slice(0, 64) || 'New device');
  const linking = await startLinking(home, name, passphrase);
  const { store, vault, device, peerKey } = linking;
  const network = parseNetwork(o.network ?? io.env.PARLEY_NETWORK);
  const transport = await createParleyTransport(
    {
      privateKey: peerKey,
      listen: o.listen.length > 0 ? o.listen : LINK_LISTEN,
      network,
      bootstrap: o.bootstrap,
      relays: [],
      mdns: o.mdns,
      upnp: false,
      dhtAllowPrivateAddresses: o.privateAddresses,
    },
    { privateAddressesArePublic: o.privateAddresses },
  );
  const bar = progressBar(io, io.stdoutIsTTY === true && !global.json);
  try {
    if (!global.json) io.stderr(`Linking ${device.name} to the account (waiting for your other device)…\n`);
    // The same card every time (no addresses, the prekey's time): a resumed link is recognised.
    const request = linkRequest(device, [], device.signedPrekey.createdAt, nodePrimitives);
    const grant = await requestLink({ primitives: nodePrimitives }, transport, offer, request, (got, total) =>
      bar.update(got, total, 'receiving the account'),
    ).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code === 'bad-link' || code === 'too-many-devices')
        throw new CliError(code, (error as Error).message);
      throw new CliError(
        'unreachable',
        `could not reach your other device (${(error as Error).message}); is its daemon running? try again`,
        3,
      );
    });
    bar.done();
    const account = completeLink(
      store,
      {
        vault,
        device,
        peerKey,
        request,
        secret: offer.secret,
        grant,
        now: Date.now(),
        random: systemRandom,
        from: offer.peerId,
      },
      nodePrimitives,
    );
    finishLinking(linking);
    const contacts = store.transaction((tx) => tx.listContacts().length);
    if (global.json)
      printJson(io, {
        peerId: account.info.peerId,
        accountId: account.info.accountId,
        name: account.info.name,
        device: device.name,
        contacts,
        home: home.dir,
        protection: passphrase === null ? 'keyfile' : 'passphrase',
      });
    else {
      io.stdout(
        `Linked ${device.name} (${account.info.peerId}) to ${account.info.name}'s account, with ${contacts} contacts\n`,
      );
      io.stderr(
        'Next: "parley daemon" on this device; your contacts learn about it from your other device.\n',
      );
    }
    return 0;
  } finally {
    bar.done();
    await transport.stop().catch(() => undefined);
    store.close();
    vault.lock();
  }
}
