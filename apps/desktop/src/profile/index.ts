/** Your own profile (issue 20): your name, your passphrase, and About Parley — all in Settings. */
export { AboutParley } from './AboutParley.tsx';
export { ProfileSettings } from './ProfileSettings.tsx';
