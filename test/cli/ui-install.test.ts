/**
 * `parley ui --install | --uninstall` (issue 20: "an app, not a tab"): an XDG desktop entry and
 * icon under $XDG_DATA_HOME that start Parley Desktop for this data folder from the launcher.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ParleyWorld } from '../support/parley.ts';

const world = new ParleyWorld();
afterAll(() => world.cleanup());

describe('parley ui --install', () => {
  it('writes a valid desktop entry and icon for this data folder, and --uninstall removes them', () => {
    const home = world.home('with space');
    const data = world.home('xdg');
    const env = { XDG_DATA_HOME: data };
    const r = world.run(home, ['--json', 'ui', '--install'], { env });
    expect(r.code, r.stderr).toBe(0);
    const files = JSON.parse(r.stdout) as { installed: boolean; desktopEntry: string; icon: string };
    expect(files).toMatchObject({
      installed: true,
      desktopEntry: `${data}/applications/parley.desktop`,
      icon: `${data}/icons/hicolor/scalable/apps/parley.svg`,
    });
    const entry = readFileSync(files.desktopEntry, 'utf8');
    expect(entry.split('\n')[0]).toBe('[Desktop Entry]');
    for (const line of ['Type=Application', 'Name=Parley', 'Icon=parley', 'Terminal=false'])
      expect(entry).toContain(`\n${line}\n`);
    // Exec runs this node and this parley, for this data folder (quoted: it has a space), `ui`.
    const exec = /\nExec=(.*)\n/.exec(entry)?.[1] ?? '';
    expect(exec).toContain(`"--home" "${home}" "ui"`);
    expect(exec.startsWith(`"${process.execPath}"`)).toBe(true);
    expect(readFileSync(files.icon, 'utf8')).toMatch(/^<svg/);
    const gone = world.run(home, ['ui', '--uninstall'], { env });
    expect(gone.code, gone.stderr).toBe(0);
    expect(existsSync(files.desktopEntry) || existsSync(files.icon)).toBe(false);
  });
});
