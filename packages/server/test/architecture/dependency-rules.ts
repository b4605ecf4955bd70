import type { ImportGraph } from './import-graph.js';

/**
 * The one-way rule as data (ARCHITECTURE.md, "Tiers and the one-way rule"): layers from the top
 * down. A file may import files of its own folder, and of folders in a lower layer; never a folder
 * of its own layer or of a higher one. Folders of one layer are peers: they do not know each other.
 * A folder named in no layer is a library (the bottom layer): libraries may import each other, as
 * long as no folder cycle appears.
 */
export interface DependencyRules {
  layers: readonly (readonly string[])[];
  /** `folder -> folders`: the only folders that may import it (checked on top of the layers). */
  onlyImportedBy: Readonly<Record<string, readonly string[]>>;
  /** Packages (the name, or the name and a subpath) and the only folders that may import them; none for `[]`. */
  packagesOnlyIn: Readonly<Record<string, readonly string[]>>;
}

/**
 * The folder a file belongs to: its top-level folder under the source root; `store/sql` is a
 * folder of its own (the adapter), apart from the store ports; a file at the root is a folder by
 * itself, named without `.ts` (`clock`, `random`).
 */
export function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return file.replace(/\.ts$/, '');
  if (parts[0] === 'store' && parts[1] === 'sql') return 'store/sql';
  return parts[0]!;
}

/** Every file-level import cycle, each as the files on it (strongly connected components, Tarjan). */
export function fileCycles(graph: ImportGraph): string[][] {
  return stronglyConnected(new Map([...graph].map(([file, imports]) => [file, imports.files])));
}

/** Every folder-level cycle, each as the folders on it. */
export function folderCycles(graph: ImportGraph): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [file, imports] of graph) {
    const from = folderOf(file);
    const targets = edges.get(from) ?? new Set<string>();
    edges.set(from, targets);
    for (const target of imports.files) if (folderOf(target) !== from) targets.add(folderOf(target));
  }
  return stronglyConnected(new Map([...edges].map(([folder, targets]) => [folder, [...targets]])));
}

/**
 * Every import that breaks `rules`, one line each, naming both files and the rule:
 * `oauth/x.ts -> http/y.ts: oauth (layer 4) may not import http (layer 2)`.
 */
export function ruleViolations(graph: ImportGraph, rules: DependencyRules): string[] {
  const layerOf = new Map<string, number>();
  rules.layers.forEach((layer, index) => {
    for (const folder of layer) {
      if (layerOf.has(folder)) throw new TypeError(`${folder} is named in two layers`);
      layerOf.set(folder, index);
    }
  });
  const libraries = rules.layers.length;
  const rank = (folder: string) => layerOf.get(folder) ?? libraries;
  const describe = (folder: string) => (rank(folder) === libraries ? `${folder} (a library)` : `${folder} (layer ${rank(folder) + 1})`);

  const violations: string[] = [];
  for (const [file, imports] of graph) {
    const from = folderOf(file);
    for (const target of imports.files) {
      const to = folderOf(target);
      if (to === from) continue;
      const allowedImporters = rules.onlyImportedBy[to];
      if (allowedImporters !== undefined && !allowedImporters.includes(from)) {
        violations.push(`${file} -> ${target}: only ${allowedImporters.join(', ')} may import ${to}`);
      } else if (rank(to) <= rank(from) && !(rank(to) === libraries && rank(from) === libraries)) {
        violations.push(`${file} -> ${target}: ${describe(from)} may not import ${describe(to)}`);
      }
    }
    for (const specifier of imports.packages) {
      for (const [name, owners] of Object.entries(rules.packagesOnlyIn)) {
        if ((specifier === name || specifier.startsWith(`${name}/`)) && !owners.includes(from)) {
          violations.push(`${file} -> ${specifier}: ${owners.length === 0 ? 'nothing here' : `only ${owners.join(', ')}`} may import ${name}`);
        }
      }
    }
  }
  return violations.sort();
}

function stronglyConnected(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];

  // Recursive: the graph is a few hundred files deep at most.
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of edges.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfLoop = (edges.get(node) ?? []).includes(node);
    if (component.length > 1 || selfLoop) cycles.push(component.sort());
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}
