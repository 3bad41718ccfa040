/** The install engine: steps as data, the runner, preflight and uninstall. No `vscode` here; the UI passes callbacks in. */
export * from './types';
export * from './apply';
export * from './steps';
export * from './runner';
export * from './preflight';
export * from './uninstall';
