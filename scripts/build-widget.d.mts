// Types of build-widget.mjs, for the TypeScript tests that build their own bundles.
import type { BuildOptions } from "esbuild";

export const BROWSER_BUNDLE: Readonly<BuildOptions>;
export function buildWidget(options: { outfile: string }): Promise<string[]>;
