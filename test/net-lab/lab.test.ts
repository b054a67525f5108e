/**
 * The network lab (test/support/netlab.ts) behaves like the internet the reachability tests
 * (issue 15) need: public hosts reach each other, homes reach out through their NAT, nothing
 * unsolicited gets in, UDP hole punching works between cone NATs, a cone NAT keeps one external
 * port per source port while a symmetric one does not, and destroy()/cleanupStaleLabs() leave
 * nothing behind. Each probe has a control that shows the same probe can succeed.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupStaleLabs,
  createLab,
  type Lab,
  labAvailable,
  startLabDaemon,
  startLabRelay,
} from '../support/netlab.ts';
import { eventually, ParleyWorld } from '../support/parley.ts';

const available = labAvailable();
if (!available.ok) console.warn(`test/net-lab skipped: ${available.reason}`);
const skipNote = available.ok ? '' : ` (skipped: ${available.reason})`;

/** Closed ports time out after this when a firewall drops the SYN (a refusal comes at once). */
const PROBE_TIMEOUT_MS = 1_000;

// argv: mode (udp-echo | udp-peer | tcp), port. udp-echo answers with the address it saw;
// udp-peer prints what it receives and sends what stdin asks; tcp answers with the address it saw.
const AGENT = `const dgram=require('node:dgram'),net=require('node:net'),rl=require('node:readline');
const [mode,port]=process.argv.slice(1);const out=(o)=>process.stdout.write(JSON.stringify(o)+'\\n');
if(mode==='tcp'){net.createServer((c)=>c.end(JSON.stringify({address:c.remoteAddress,port:c.remotePort})))
.listen(Number(port),'0.0.0.0',()=>out({ready:true}));}else{const s=dgram.createSocket('udp4');
s.on('message',(m,r)=>mode==='udp-echo'?s.send(JSON.stringify({address:r.address,port:r.port}),r.port,r.address)
:out({from:r.address+':'+r.port,text:String(m)}));s.bind(Number(port),'0.0.0.0',()=>out({ready:true}));
rl.createInterface({input:process.stdin}).on('line',(l)=>{const {to,text}=JSON.parse(l);const i=to.lastIndexOf(':');
s.send(text,Number(to.slice(i+1)),to.slice(0,i),(e)=>{if(e)out({error:e.code});});});}`;

// argv: host, port, timeout ms. Prints {result: connected|timeout|refused|<errno>, seen?}.
const TCP_PROBE = `const net=require('node:net');const [host,port,ms]=process.argv.slice(1);
const done=(r)=>{process.stdout.write(JSON.stringify(r));process.exit(0);};let data='';
setTimeout(()=>done({result:'timeout'}),Number(ms));const c=net.connect(Number(port),host);
c.on('data',(d)=>{data+=d;});c.on('end',()=>done({result:'connected',seen:JSON.parse(data)}));
c.on('error',(e)=>done({result:e.code==='ECONNREFUSED'?'refused':e.code}));`;

interface Datagram {
  readonly from: string;
  readonly text: string;
}

interface Agent {
  readonly child: ChildProcess;
  send(to: string, text: string): void;
  received(): readonly Datagram[];
}

async function startAgent(lab: Lab, host: string, mode: 'udp-echo' | 'udp-peer' | 'tcp', port: number) {
  const child = lab.spawn(host, [process.execPath, '-e', AGENT, mode, String(port)]);
  const received: Datagram[] = [];
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      buffer += String(d);
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const msg = JSON.parse(line) as { ready?: true } & Partial<Datagram>;
        if (msg.ready) resolve();
        else if (msg.from !== undefined) received.push(msg as Datagram);
      }
    });
    child.once('exit', (code) => reject(new Error(`${mode} agent on ${host} exited with ${code}`)));
  });
  const agent: Agent = {
    child,
    send: (to, text) => child.stdin?.write(`${JSON.stringify({ to, text })}\n`),
    received: () => [...received],
  };
  return agent;
}

type ProbeResult = { result: string; seen?: { address: string; port: number } };

async function probeTcp(lab: Lab, from: string, host: string, port: number): Promise<ProbeResult> {
  const argv = [process.execPath, '-e', TCP_PROBE, host, String(port), String(PROBE_TIMEOUT_MS)];
  const r = await lab.exec(from, argv);
  return JSON.parse(r.stdout) as ProbeResult;
}

/** The address and port a UDP echo server saw for `agent`'s socket (a STUN binding request). */
async function mappedEndpoint(agent: Agent, echo: string): Promise<string> {
  for (let attempt = 0; attempt < 12; attempt++) {
    agent.send(echo, 'who');
    await sleep(250);
    const reply = agent.received().find((d) => d.from === echo);
    if (reply) {
      const seen = JSON.parse(reply.text) as { address: string; port: number };
      return `${seen.address}:${seen.port}`;
    }
  }
  throw new Error(`no answer from ${echo}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const portOf = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

describe.skipIf(!available.ok)(`network lab: a small internet${skipNote}`, () => {
  let lab: Lab;
  const world = new ParleyWorld();

  beforeAll(async () => {
    const started = Date.now();
    lab = await createLab({
      name: 'lab-test',
      homes: [
        { name: 'alice', nat: 'cone', hosts: ['alice', 'alice2'] },
        { name: 'bob', nat: 'cone' },
        { name: 'carol', nat: 'symmetric', lan: '192.168.1' },
        { name: 'dave', nat: 'none' },
      ],
      publicHosts: ['echo1', 'echo2', 'relay'],
    });
    console.log(`lab ${lab.prefix} built in ${Date.now() - started} ms`);
    await Promise.all([
      ...['echo1', 'echo2'].flatMap((h) => [3478, 3479].map((p) => startAgent(lab, h, 'udp-echo', p))),
      ...['echo2', 'alice', 'alice-gw', 'dave'].map((h) => startAgent(lab, h, 'tcp', 7000)),
    ]);
  });
  afterAll(async () => {
    await world.cleanup();
    await lab?.destroy();
  });

  it('a public host reaches another, which sees its real address', async () => {
    const r = await probeTcp(lab, 'echo1', lab.addressOf('echo2'), 7000);
    expect(r.result).toBe('connected');
    expect(r.seen?.address).toBe(lab.addressOf('echo1'));
  });

  it('a home host reaches public hosts over TCP and UDP, seen as its router’s WAN address', async () => {
    const tcp = await probeTcp(lab, 'alice', lab.addressOf('echo2'), 7000);
    expect(tcp).toMatchObject({ result: 'connected', seen: { address: lab.wanOf('alice') } });
    const peer = await startAgent(lab, 'alice', 'udp-peer', 40100);
    const seen = await mappedEndpoint(peer, `${lab.addressOf('echo1')}:3478`);
    expect(seen.startsWith(`${lab.wanOf('alice')}:`)).toBe(true);
  });

  it('a home without NAT is reachable from the internet and keeps its own address', async () => {
    expect(lab.addressOf('dave').startsWith('198.19.')).toBe(true);
    const inbound = await probeTcp(lab, 'echo1', lab.addressOf('dave'), 7000);
    expect(inbound).toMatchObject({ result: 'connected', seen: { address: lab.addressOf('echo1') } });
    const outbound = await probeTcp(lab, 'dave', lab.addressOf('echo2'), 7000);
    expect(outbound).toMatchObject({ result: 'connected', seen: { address: lab.addressOf('dave') } });
  });

  it('nothing unsolicited gets into a home, even from a neighbour that routes its LAN to it', async () => {
    // A hostile WAN neighbour sends traffic for the private LAN straight to the router.
    const lan = lab.addressOf('alice').replace(/\.\d+$/, '.0/24');
    const route = await lab.exec('echo1', ['ip', 'route', 'add', lan, 'via', lab.wanOf('alice')]);
    expect(route.code, route.stderr).toBe(0);
    const [toHost, toRouter, lanToHost, lanToRouter] = await Promise.all([
      probeTcp(lab, 'echo1', lab.addressOf('alice'), 7000),
      probeTcp(lab, 'echo1', lab.wanOf('alice'), 7000),
      // Controls: the same servers answer from inside the home.
      probeTcp(lab, 'alice2', lab.addressOf('alice'), 7000),
      probeTcp(lab, 'alice2', lab.addressOf('alice').replace(/\.\d+$/, '.1'), 7000),
    ]);
    expect(toHost.result).toBe('timeout'); // dropped, not refused: the router says nothing
    expect(toRouter.result).toBe('timeout');
    expect(lanToHost.result).toBe('connected');
    expect(lanToRouter.result).toBe('connected');
  });

  it('two homes behind cone NATs cannot reach each other unsolicited, but can after both send (hole punch)', async () => {
    const [a, b] = await Promise.all([
      startAgent(lab, 'alice', 'udp-peer', 40000),
      startAgent(lab, 'bob', 'udp-peer', 40000),
    ]);
    const echo = `${lab.addressOf('echo1')}:3478`;
    const [aOut, bOut] = await Promise.all([mappedEndpoint(a, echo), mappedEndpoint(b, echo)]);
    // Bob's mapping exists (he talked to echo1), but only echo1 may answer through it.
    for (let i = 0; i < 3; i++) {
      a.send(bOut, 'knock');
      a.send(`${lab.addressOf('bob')}:40000`, 'knock'); // his private address: no route to it
    }
    await sleep(1_000);
    expect(b.received().filter((d) => d.text === 'knock')).toEqual([]);
    // Bob sends first (Alice's router drops it), which opens his NAT to Alice's endpoint.
    b.send(aOut, 'punch');
    await sleep(200);
    a.send(bOut, 'hello');
    await eventually(() => b.received().some((d) => d.text === 'hello'), 3_000, 'hello through the hole');
    expect(b.received().find((d) => d.text === 'hello')?.from).toBe(aOut);
    b.send(aOut, 'hi');
    await eventually(() => a.received().some((d) => d.text === 'hi' && d.from === bOut), 3_000, 'hi back');
  });

  it('a cone NAT keeps one external port per source port for all destinations; a symmetric NAT does not', async () => {
    const echoes = ['echo1', 'echo2'].flatMap((h) => [3478, 3479].map((p) => `${lab.addressOf(h)}:${p}`));
    const measure = async (host: string): Promise<string[]> => {
      const agent = await startAgent(lab, host, 'udp-peer', 41000);
      const seen: string[] = [];
      for (const echo of echoes) seen.push(await mappedEndpoint(agent, echo));
      return seen;
    };
    expect(lab.addressOf('carol')).toBe('192.168.1.10'); // a home's own LAN range
    const [cone, symmetric] = await Promise.all([measure('alice'), measure('carol')]);
    console.log(`source port 41000 seen as: cone ${cone.join(' ')}; symmetric ${symmetric.join(' ')}`);
    expect(cone.every((e) => e.startsWith(`${lab.wanOf('alice')}:`))).toBe(true);
    expect(new Set(cone.map(portOf)).size).toBe(1);
    expect(symmetric.every((e) => e.startsWith(`${lab.wanOf('carol')}:`))).toBe(true);
    expect(new Set(symmetric.map(portOf)).size).toBeGreaterThan(1);
  });

  it('the lab is cut off from the machine’s own network', async () => {
    const server = createServer((c) => {
      c.on('error', () => undefined); // the control connection closes at once
      c.end('{"address":"machine","port":0}');
    });
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const { port } = server.address() as { port: number };
    const machine = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i?.family === 'IPv4' && !i.internal)
      .map((i) => i?.address as string);
    try {
      for (const address of machine) {
        const control = await new Promise<boolean>((resolve) => {
          const c = connect(port, address, () => {
            c.destroy();
            resolve(true);
          });
          c.on('error', () => resolve(false));
        });
        expect(control, `the machine reaches itself on ${address}`).toBe(true);
        for (const host of ['echo1', 'alice'])
          expect((await probeTcp(lab, host, address, port)).result).not.toBe('connected');
      }
      expect((await probeTcp(lab, 'echo1', '127.0.0.1', port)).result).toBe('refused');
    } finally {
      server.close();
    }
  });

  it('setLink down silences a public host and up brings it back', async () => {
    await lab.setLink('echo2', 'down');
    expect((await probeTcp(lab, 'echo1', lab.addressOf('echo2'), 7000)).result).not.toBe('connected');
    await lab.setLink('echo2', 'up');
    expect((await probeTcp(lab, 'echo1', lab.addressOf('echo2'), 7000)).result).toBe('connected');
    expect((await probeTcp(lab, 'echo2', lab.addressOf('echo1'), 7000)).result).toBe('refused'); // routed again
  });

  it('a Parley daemon at home holds a connection to a relay on a public host', async () => {
    const starting = startLabRelay(lab, 'relay');
    const home = world.account('bob'); // meanwhile
    const relay = await starting;
    const relayIp = lab.addressOf('relay');
    expect(relay.addresses.length).toBeGreaterThan(0);
    expect(
      relay.addresses.every(
        (a) => a.includes(`/ip4/${relayIp}/tcp/4001/`) || a.includes(`/ip4/${relayIp}/udp/4001/quic-v1/`),
      ),
    ).toBe(true);
    // TCP only here (QUIC is preferred when offered): this test watches the TCP connection with ss
    const tcp = relay.addresses.filter((a) => a.includes('/tcp/'));
    const daemon = await startLabDaemon(lab, 'bob', { home, bootstrap: tcp });
    const status = await daemon.rpc<{ peerId: string; reachability: { addresses: string[] } }>('status');
    expect(status.peerId).toBe(daemon.peerId);
    // every address the node has (status.addresses is what invites carry: no LAN ones next to a relay's)
    expect(status.reachability.addresses.some((a) => a.includes(`/ip4/${lab.addressOf('bob')}/`))).toBe(true);
    await eventually(
      async () => {
        const ss = await lab.exec('bob', ['ss', '-tnH', 'state', 'established']);
        return ss.stdout.includes(`${lab.addressOf('relay')}:4001`);
      },
      10_000,
      'a TCP connection from bob to the relay',
    );
    expect((await daemon.run(['--json', 'status'])).code).toBe(0);
    await lab.stopHost('relay');
    expect(relay.process.signalCode).toBe('SIGKILL');
    await daemon.stop();
    expect(daemon.process.exitCode).toBe(0);
  }, 60_000); // two node programs start and an account is created: slow on a busy machine
});

describe.skipIf(!available.ok)(`network lab: cleanup${skipNote}`, () => {
  const leftovers = (prefix: string): string[] => {
    const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
    return `${ns}\n${links}`.split('\n').filter((l) => l.includes(prefix));
  };

  it('destroy() kills the lab’s processes and leaves no namespace, link, record or folder; twice is fine', async () => {
    const lab = await createLab({
      name: 'tiny',
      homes: [{ name: 'dan', nat: 'cone' }],
      publicHosts: ['pub'],
    });
    const sleeper = lab.spawn('dan', ['sleep', '60']);
    await new Promise((r) => sleeper.once('spawn', r));
    expect(leftovers(lab.prefix).length).toBe(4); // internet, pub, dan-gw, dan
    const started = Date.now();
    await lab.destroy();
    console.log(`destroy() took ${Date.now() - started} ms`);
    await lab.destroy();
    expect(leftovers(lab.prefix)).toEqual([]);
    await eventually(() => sleeper.signalCode === 'SIGKILL', 2_000, 'the sleeper to die');
    expect(existsSync(`/run/parley-netlab/${lab.id}.json`)).toBe(false);
    expect(existsSync(lab.dir)).toBe(false);
  });

  it('cleanupStaleLabs() removes a crashed run’s namespaces, processes and links, and keeps live labs', async () => {
    const fresh = (): string => randomBytes(2).toString('hex');
    const dead = spawnSync('true').pid as number; // a pid that has exited
    const [crashed, alive] = [fresh(), fresh()];
    for (const [id, pid] of [
      [crashed, dead],
      [alive, process.pid],
    ] as const) {
      writeFileSync(`/run/parley-netlab/${id}.json`, JSON.stringify({ pid, createdAt: Date.now() }));
      expect(spawnSync('ip', ['netns', 'add', `plab${id}-ghost`]).status).toBe(0);
    }
    const link = spawnSync('ip', [
      'link',
      'add',
      `plab${crashed}-v0`,
      'type',
      'veth',
      'peer',
      'name',
      `plab${crashed}-v1`,
    ]);
    expect(link.status).toBe(0);
    const orphan = spawnSync(
      'sh',
      ['-c', `ip netns exec plab${crashed}-ghost sleep 60 >/dev/null 2>&1 & echo $!`],
      {
        encoding: 'utf8',
      },
    );
    const orphanPid = Number(orphan.stdout.trim());
    try {
      const removed = await cleanupStaleLabs();
      expect(removed).toEqual(
        expect.arrayContaining([`plab${crashed}-ghost`, `plab${crashed}-v0`, `plab${crashed}-v1`]),
      );
      expect(leftovers(`plab${crashed}-`)).toEqual([]);
      expect(existsSync(`/proc/${orphanPid}`) && !isZombie(orphanPid)).toBe(false);
      expect(existsSync(`/run/parley-netlab/${crashed}.json`)).toBe(false);
      expect(leftovers(`plab${alive}-`).length).toBe(1);
    } finally {
      spawnSync('ip', ['netns', 'del', `plab${alive}-ghost`]);
      spawnSync('rm', ['-f', `/run/parley-netlab/${alive}.json`]);
    }
  });
});

function isZombie(pid: number): boolean {
  const stat = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
  return / Z /.test(stat);
}
