// Eleventy 3 ships JavaScript without type declarations; this is the part of its programmatic API we use.
declare module "@11ty/eleventy" {
  interface EleventyOptions {
    configPath?: string;
    pathPrefix?: string;
    quietMode?: boolean;
  }
  export default class Eleventy {
    constructor(input: string, output: string, options?: EleventyOptions);
    write(): Promise<unknown>;
    /** Silences Eleventy's console output, including the "Wrote N files" line quietMode keeps. */
    disableLogger(): void;
  }
}

declare module "@11ty/eleventy-plugin-rss" {
  export function dateToRfc3339(date: Date): string;
}
