/**
 * `parley ui --install | --uninstall`: an XDG desktop entry and icon, so Parley starts from the
 * desktop's launcher in its own window (`parley ui`), like any installed app (issue 20). Written
 * under $XDG_DATA_HOME (default ~/.local/share): `applications/parley.desktop` and
 * `icons/hicolor/scalable/apps/parley.svg`. The entry runs this node and this `parley` with the
 * data folder in use, so a launcher opens the same account as the terminal.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HomePaths } from '../home.ts';
import type { Io } from '../io.ts';

const PARLEY_BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));
const ICON = fileURLToPath(new URL('../../../desktop/public/favicon.svg', import.meta.url));

export interface InstalledFiles {
  readonly desktopEntry: string;
  readonly icon: string;
}

export function installedFiles(env: Io['env']): InstalledFiles {
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return {
    desktopEntry: join(data, 'applications', 'parley.desktop'),
    icon: join(data, 'icons', 'hicolor', 'scalable', 'apps', 'parley.svg'),
  };
}

/** A desktop entry's Exec field: each argument quoted as the spec says (`"` `\` `` ` `` `$` escaped). */
const execArg = (s: string): string => `"${s.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;

export function installDesktopEntry(home: HomePaths, env: Io['env']): InstalledFiles {
  const files = installedFiles(env);
  const exec = [process.execPath, PARLEY_BIN, '--home', home.dir, 'ui'].map(execArg).join(' ');
  const entry = [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.5',
    'Name=Parley',
    'GenericName=Messenger',
    'Comment=Peer-to-peer, end-to-end encrypted messaging',
    `Exec=${exec}`,
    'Icon=parley',
    'Terminal=false',
    'Categories=Network;InstantMessaging;Chat;',
    'Keywords=chat;messages;encrypted;p2p;',
    'StartupNotify=true',
    '',
  ].join('\n');
  mkdirSync(join(files.desktopEntry, '..'), { recursive: true });
  mkdirSync(join(files.icon, '..'), { recursive: true });
  writeFileSync(files.icon, readFileSync(ICON));
  writeFileSync(files.desktopEntry, entry, { mode: 0o644 });
  return files;
}

export function uninstallDesktopEntry(env: Io['env']): InstalledFiles {
  const files = installedFiles(env);
  rmSync(files.desktopEntry, { force: true });
  rmSync(files.icon, { force: true });
  return files;
}
