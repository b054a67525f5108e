/**
 * Contacts whose addresses all changed find each other again through the DHT (issue 15). In the
 * lab: Alice and Bob live behind cone NATs and use relays 1 and 2 (public hosts running `parley
 * relay`, DHT servers), so their contact cards — what each dials first — name only circuits
 * through those. Then both machines restart on new ports with only relay 3, a relay that did not
 * exist when they met (a move to another network), and relays 1 and 2 go away: no address either
 * holds for the other works. They must look each other's PeerId up in the DHT (relay 3 knows
 * both), learn the circuits through relay 3 and deliver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactOf, exchange, inviteAndChat, reservations } from '../support/lab-chat.ts';
import {
  createLab,
  type Lab,
  type LabDaemon,
  labAvailable,
  startLabDaemon,
  startLabRelay,
} from '../support/netlab.ts';
import { ParleyWorld } from '../support/parley.ts';

const available = labAvailable();
if (!available.ok) console.warn(`test/net-lab/refind skipped: ${available.reason}`);
const skipNote = available.ok ? '' : ` (skipped: ${available.reason})`;

describe.skipIf(!available.ok)(
  `a contact whose addresses changed is found through the DHT${skipNote}`,
  () => {
    let lab: Lab;
    const world = new ParleyWorld();
    let alice: LabDaemon;
    let bob: LabDaemon;
    const aliceHome = world.account('alice');
    const bobHome = world.account('bob');
    const listen = ['/ip4/0.0.0.0/tcp/0'];

    beforeAll(async () => {
      lab = await createLab({
        name: 'refind',
        homes: [
          { name: 'alice', nat: 'cone' },
          { name: 'bob', nat: 'cone' },
        ],
        publicHosts: ['relay1', 'relay2', 'relay3'],
      });
      const relay1 = await startLabRelay(lab, 'relay1', { quic: false });
      const relay2 = await startLabRelay(lab, 'relay2', { quic: false, bootstrap: relay1.addresses });
      const bootstrap = [...relay1.addresses, ...relay2.addresses];
      [alice, bob] = await Promise.all([
        startLabDaemon(lab, 'alice', { home: aliceHome, bootstrap, listen, trace: true }),
        startLabDaemon(lab, 'bob', { home: bobHome, bootstrap, listen, trace: true }),
      ]);
    }, 90_000);

    afterAll(async () => {
      await Promise.all([alice?.stop(), bob?.stop()]);
      await world.cleanup();
      await lab?.destroy();
    });

    it('they meet and chat through relays 1 and 2', async () => {
      await Promise.all([reservations(alice, 2), reservations(bob, 2)]);
      await inviteAndChat(alice, bob, 'before');
    }, 90_000);

    it('after both move to relay 3 on new ports and relays 1 and 2 vanish, they find each other in the DHT', async () => {
      const before = await Promise.all([alice, bob].map((d) => d.rpc<{ addresses: string[] }>('status')));
      await Promise.all([alice.stop(), bob.stop()]);
      await Promise.all([lab.stopHost('relay1'), lab.stopHost('relay2')]);
      const relay3 = await startLabRelay(lab, 'relay3', { quic: false });
      [alice, bob] = await Promise.all([
        startLabDaemon(lab, 'alice', { home: aliceHome, bootstrap: relay3.addresses, listen, trace: true }),
        startLabDaemon(lab, 'bob', { home: bobHome, bootstrap: relay3.addresses, listen, trace: true }),
      ]);
      for (const [i, d] of [alice, bob].entries()) {
        const moved = await reservations(d, 1);
        expect(moved.relays).toEqual([relay3.peerId]);
        // nothing the other side knows of this daemon still works
        expect(moved.addresses.some((a) => before[i]?.addresses.includes(a))).toBe(false);
      }
      await exchange(alice, bob, 'after', 3, 60_000);
      // Either side's lookup found the other, or a DHT answer to some other query (routing-table
      // refresh, the other's lookup) named the other with its new circuit and the peer store kept
      // it: after the move, relay 3's DHT is the only place that knows either new address.
      const dhtLines = [alice, bob]
        .flatMap((d) => d.log().split('\n'))
        .filter((l) => /reached …\w+ (through the DHT|at an address learnt earlier)/.test(l));
      expect(dhtLines.length).toBeGreaterThan(0);
      expect((await contactOf(alice, 'bob'))?.online).toBe(true);
    }, 150_000);
  },
);
