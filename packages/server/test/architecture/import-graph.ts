import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** One source file's imports: relative ones resolved to files, the others as written. */
export interface FileImports {
  /** Paths relative to the source root, `/`-separated, `.ts`. */
  files: string[];
  /** Package specifiers (`fastify`, `node:fs`, `@agentauth/protocol`). */
  packages: string[];
}

/** Every `.ts` file under a source root (paths relative to it) and what it imports. */
export type ImportGraph = Map<string, FileImports>;

/**
 * Reads the import graph of every `.ts` file under `root`. The TypeScript scanner sees every
 * `import`, `import type`, `export ... from`, dynamic `import()` and `require()`, so a type-only
 * import counts as an arrow too: a type couples two files as surely as a value does. Relative
 * specifiers are resolved the way Node16 resolution reads our sources (`./x.js` is `./x.ts`); one
 * that resolves to no file is reported, never skipped.
 */
export function readImportGraph(root: string): ImportGraph {
  const files = listTypeScript(root);
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((entry) => entry.fileName);
    const imports: FileImports = { files: [], packages: [] };
    for (const specifier of specifiers) {
      if (!specifier.startsWith('.')) {
        imports.packages.push(specifier);
        continue;
      }
      const target = resolveRelative(file, specifier, known);
      if (target === undefined) throw new Error(`${file} imports ${specifier}, which resolves to no file under ${root}`);
      imports.files.push(target);
    }
    graph.set(file, imports);
  }
  return graph;
}

function listTypeScript(root: string, under = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(under, { withFileTypes: true })) {
    const path = join(under, entry.name);
    if (entry.isDirectory()) out.push(...listTypeScript(root, path));
    else if (entry.name.endsWith('.ts')) out.push(relative(root, path).split(sep).join('/'));
  }
  return out.sort();
}

function resolveRelative(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const base = posix.normalize(posix.join(dirname(from).split(sep).join('/'), specifier));
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((candidate) => known.has(candidate));
}
