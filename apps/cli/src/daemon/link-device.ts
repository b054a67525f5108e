/**
 * Making this home a new device of an account used elsewhere (docs/MULTI-DEVICE.md "Linking"):
 * `parley init --link` and the desktop's onboarding (`account.link`) both run this. A node with
 * the new device's own key asks the device behind the link; the grant makes the account here.
 */
import {
  type Account,
  CoreError,
  completeLink,
  type DeviceLinkOffer,
  linkRequest,
  requestLink,
} from '@parley/core';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { createParleyTransport, type ParleyNetwork } from '@parley/net';
import { CliError } from '../cli-error.ts';
import type { HomePaths } from '../home.ts';
import { finishLinking, type OpenAccount, startLinking } from './account-setup.ts';

/** How the linking node reaches the other device. */
export interface LinkNetwork {
  readonly network: ParleyNetwork;
  readonly bootstrap: readonly string[];
  /** Default: any free TCP port (it only asks, it is not asked). */
  readonly listen?: readonly string[];
  readonly privateAddresses: boolean;
  readonly mdns: boolean;
}

/**
 * Links this home (creating its encrypted database, or resuming an interrupted link) and returns
 * the account with its open store. CliError: `bad-link`, `too-many-devices`, `account-exists`,
 * `unreachable` (exit 3: the other device's daemon is not running or cannot be reached).
 */
export async function linkThisDevice(
  home: HomePaths,
  offer: DeviceLinkOffer,
  name: string,
  passphrase: string | null,
  net: LinkNetwork,
  onProgress?: (received: number, total: number) => void,
): Promise<OpenAccount & { readonly account: Account; readonly contacts: number }> {
  const linking = await startLinking(home, name, passphrase);
  const { store, vault, device, peerKey } = linking;
  try {
    const transport = await createParleyTransport(
      {
        privateKey: peerKey,
        listen: net.listen && net.listen.length > 0 ? net.listen : ['/ip4/0.0.0.0/tcp/0'],
        network: net.network,
        bootstrap: net.bootstrap,
        relays: [],
        mdns: net.mdns,
        upnp: false,
        dhtAllowPrivateAddresses: net.privateAddresses,
      },
      { privateAddressesArePublic: net.privateAddresses },
    );
    try {
      // The same card every time (no addresses, the prekey's time): a resumed link is recognised.
      const request = linkRequest(device, [], device.signedPrekey.createdAt, nodePrimitives);
      const grant = await requestLink(
        { primitives: nodePrimitives },
        transport,
        offer,
        request,
        onProgress,
      ).catch((error: unknown) => {
        const code = error instanceof CoreError ? error.code : undefined;
        if (code === 'bad-link' || code === 'too-many-devices')
          throw new CliError(code, (error as Error).message);
        throw new CliError(
          'unreachable',
          `could not reach your other device (${(error as Error).message}); is its daemon running? try again`,
          3,
        );
      });
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
      return { account, store, contacts: store.transaction((tx) => tx.listContacts().length) };
    } finally {
      await transport.stop().catch(() => undefined);
    }
  } catch (error) {
    store.close();
    vault.lock();
    throw error;
  }
}
