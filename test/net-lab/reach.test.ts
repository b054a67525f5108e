/**
 * Reachability (issue 15) in the namespace lab: two homes behind NAT, one public host running
 * `parley relay --network private`, both daemons started with `--network private --bootstrap
 * <relay>` and nothing else. Alice invites Bob, Bob accepts, messages flow both ways — through a
 * relay reservation each daemon takes by itself — and `status`/`contacts list` say how.
 *
 * Lab addresses: the whole lab lives in 198.18.0.0/15, which libp2p counts as private. The
 * daemons and the relay run with `--private-addresses` (startLabDaemon/startLabRelay), which
 * keeps those addresses in DHT records and makes the daemon count non-loopback private
 * addresses as public in invites and `reachability` — as a LAN-only deployment would. The
 * homes' 10.x addresses are then "public" to the daemon too, but unreachable from the other
 * home: the invite still carries the relay addresses, which is what the test checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contactOf as contact,
  exchange,
  inviteAndChat,
  type LabReachability as Reachability,
  reservations,
} from '../support/lab-chat.ts';
import {
  createLab,
  type Lab,
  type LabDaemon,
  labAvailable,
  type Nat,
  startLabDaemon,
  startLabRelay,
} from '../support/netlab.ts';
import { eventually, ParleyWorld } from '../support/parley.ts';

const available = labAvailable();
if (!available.ok) console.warn(`test/net-lab/reach skipped: ${available.reason}`);
const skipNote = available.ok ? '' : ` (skipped: ${available.reason})`;

function reachSuite(nat: Exclude<Nat, 'none'>): void {
  describe.skipIf(!available.ok)(`reachability, ${nat} NAT on both homes${skipNote}`, () => {
    let lab: Lab;
    const world = new ParleyWorld();
    let alice: LabDaemon;
    let bob: LabDaemon;
    let chatStarted = 0;

    beforeAll(async () => {
      lab = await createLab({
        name: `reach-${nat}`,
        homes: [
          { name: 'alice', nat },
          { name: 'bob', nat },
        ],
        publicHosts: ['relay1', 'relay2'],
      });
      const [relay1, relay2] = await Promise.all([
        startLabRelay(lab, 'relay1'),
        startLabRelay(lab, 'relay2'),
      ]);
      const bootstrap = [...relay1.addresses, ...relay2.addresses];
      const [aliceHome, bobHome] = [world.account('alice'), world.account('bob')];
      const listen = ['/ip4/0.0.0.0/udp/0/quic-v1', '/ip4/0.0.0.0/tcp/0'];
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

    it('each daemon takes reservations on both relays by itself and says it is reachable through them', async () => {
      for (const d of [alice, bob]) {
        const r = await reservations(d, 2);
        expect(r.addresses.some((a) => a.includes('/p2p-circuit/'))).toBe(true);
        expect(r.upnp).toBe(false); // no UPnP gateway in the lab, and no noise about it
        // two relays saw our QUIC socket: one external port (cone) or one per relay (symmetric)
        expect(r.nat).toBe(nat);
        const status = await d.run(['status']);
        expect(status.stdout).toMatch(new RegExp(`reachability: behind a ${nat} NAT .*through 2 relay`));
      }
    }, 45_000);

    it('the invite carries the relay address, and 10 messages each way arrive', async () => {
      const invite = await alice.rpc<{ link: string; addresses?: string[] }>('invite.create', {});
      expect(typeof invite.link).toBe('string');
      const status = await alice.rpc<{ addresses: string[] }>('status');
      expect(status.addresses.some((a) => a.includes('/p2p-circuit/'))).toBe(true);
      chatStarted = Date.now();
      const ms = await inviteAndChat(alice, bob, nat);
      console.log(`${nat} NAT: invite → 20 messages delivered in ${ms} ms`);
      const [ab, ba] = await Promise.all([contact(alice, 'bob'), contact(bob, 'alice')]);
      expect(ab?.online).toBe(true);
      expect(ba?.online).toBe(true);
      // Through the relay unless a hole punch already made it direct.
      expect(['relayed', 'direct']).toContain(ab?.connection);
      console.log(`${nat} NAT: alice→bob connection ${ab?.connection}, bob→alice ${ba?.connection}`);
    }, 90_000);

    if (nat === 'cone') {
      it('the relayed connection becomes direct within 30 s (hole punch)', async () => {
        const deadline = chatStarted + 30_000;
        await eventually(
          async () =>
            (await contact(alice, 'bob'))?.connection === 'direct' &&
            (await contact(bob, 'alice'))?.connection === 'direct',
          Math.max(1_000, deadline - Date.now()),
          'a direct connection between Alice and Bob within 30 s of the invite',
        ).catch((err) => {
          // what each side's puncher said (hole-punch.ts logs each attempt's end)
          for (const d of [alice, bob])
            console.log(
              d.host,
              d
                .log()
                .split('\n')
                .filter((l) => /punch/.test(l)),
            );
          throw err;
        });
        console.log(`cone NAT: direct ${Date.now() - chatStarted} ms after the invite`);
      }, 45_000);
    } else {
      it('the connection stays relayed (a symmetric NAT defeats the punch) and says so', async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, chatStarted + 20_000 - Date.now())));
        expect((await contact(alice, 'bob'))?.connection).toBe('relayed');
        expect((await contact(bob, 'alice'))?.connection).toBe('relayed');
      }, 45_000);
    }

    it('one relay of two goes away: the daemons stay reachable through the other, messages still flow', async () => {
      await lab.stopHost('relay1');
      const relay2 = lab.addressOf('relay2');
      // A fresh connection (as after a restart or a network change) can only go through relay2.
      for (const d of [alice, bob]) {
        await eventually(
          async () => {
            const r = (await d.rpc<{ reachability: Reachability }>('status')).reachability;
            return (
              r.addresses.some((a) => a.includes('/p2p-circuit/')) &&
              r.addresses
                .filter((a) => a.includes('/p2p-circuit/'))
                .every((a) => a.includes(`/ip4/${relay2}/`))
            );
          },
          30_000,
          `${d.host} to drop relay1's circuit addresses`,
        );
      }
      await exchange(alice, bob, `${nat} after`, 3, 45_000);
    }, 90_000);

    if (nat === 'cone') {
      it('with every relay gone, the punched connection keeps messages flowing', async () => {
        await lab.stopHost('relay2');
        await exchange(alice, bob, `${nat} direct`, 3);
        expect((await contact(alice, 'bob'))?.connection).toBe('direct');
      }, 60_000);
    }
  });
}

reachSuite('cone');
reachSuite('symmetric');
