// Types for tools.mjs, so TypeScript tests can import it.
export declare const repoRoot: string;
export declare const toolsDir: string;
export declare const kubectl120: string;
export declare const kubectl133: string;
export declare function ensureKubectl120(): string;
export declare function ensureKubectl133(): string;

export declare const CODE_SERVER_VERSION: string;
export declare const node24Dir: string;
export declare const node24: string;
export declare const codeServerDir: string;
export declare const codeServerPackage: string;
export declare const codeServerEntry: string;
export declare const chromium: string;
/** Each ensure* returns a line saying what it did, or undefined when everything was present. */
export declare function ensureNodeModules(): string | undefined;
export declare function ensureNode24(): string | undefined;
export declare function codeServerReady(): boolean;
export declare function node24Env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function ensureCodeServer(): string | undefined;
export declare function ensureChromium(): string | undefined;
