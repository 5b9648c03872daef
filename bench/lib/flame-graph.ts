/**
 * A `.cpuprofile` as a flame graph in one self-contained SVG: no script, no network, so it opens in any
 * browser offline and renders inline in the docs (GitHub shows it as an image; hover a frame for its
 * samples in a browser). The `.cpuprofile` stays beside it for DevTools or speedscope (zoom, search).
 *
 * Written here rather than taken from npm: 0x (`--visualize-cpu-profile`, the maintained tool that reads
 * this format) sorts frames by `.js` file names and hides what it then calls "v8" by default, which is
 * every TypeScript frame under tsx and PGlite's WebAssembly, the two things these profiles are about;
 * cpupro writes 1.3 MB of viewer per file and builds a native addon at install; speedscope is a viewer
 * app (its CLI opens a browser on temp files); flamebearer 2 prints text only; d3-flame-graph draws in a
 * browser. Brendan Gregg's layout: stacks merged, root at the bottom, width = samples, siblings by name.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { CpuProfile, ProfileNode } from './cpu-profile.js';

/** Stacks root-first ("a;b;c") with their sample counts; `(root)` and `(idle)` left out (off-CPU). */
export function foldStacks(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const folded = new Map<string, number>();
  for (const [id, count] of hits) {
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node && node.callFrame.functionName !== '(root)') frames.push(frameLabel(node));
    }
    if (frames.length === 0 || frames[0] === '(idle)') continue;
    const stack = frames.reverse().join(';');
    folded.set(stack, (folded.get(stack) ?? 0) + count);
  }
  return folded;
}

/**
 * `name file:line` with the checkout's path cut: `src/…` for ours, the package path for node_modules.
 * TypeScript files get no line: tsx hands V8 each module as one line, so V8's line is always the first.
 */
export function frameLabel(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const where = url.replace(/^file:\/\/.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|tools)\//, '$1/');
  return `${name} ${where}${lineNumber >= 0 && !/\.[mc]?tsx?$/.test(url) ? `:${lineNumber + 1}` : ''}`;
}

interface Frame { name: string; value: number; children: Map<string, Frame> }

function mergeStacks(folded: Map<string, number>): Frame {
  const root: Frame = { name: 'all', value: 0, children: new Map() };
  for (const [stack, count] of folded) {
    root.value += count;
    let at = root;
    for (const name of stack.split(';')) {
      let next = at.children.get(name);
      if (!next) at.children.set(name, (next = { name, value: 0, children: new Map() }));
      next.value += count;
      at = next;
    }
  }
  return root;
}

/** Fill colour by where a frame's code lives, so the platform, the packages, Node and PGlite's WASM read apart. */
function colour(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const jitter = (span: number) => h % span;
  if (/^\([^)]*\)$/.test(name)) return `hsl(0,0%,${70 + jitter(10)}%)`; // V8's own: (program), (garbage collector)
  if (/wasm|^\$/.test(name)) return `hsl(${270 + jitter(20)},55%,${70 + jitter(10)}%)`; // WebAssembly (PGlite)
  if (/ (src|bench|tools)\//.test(name)) return `hsl(${20 + jitter(20)},85%,${60 + jitter(10)}%)`; // this repository
  if (/ node:/.test(name) || !name.includes(' ')) return `hsl(${200 + jitter(20)},55%,${68 + jitter(10)}%)`; // Node and native
  return `hsl(${45 + jitter(15)},85%,${58 + jitter(10)}%)`; // node_modules
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface SvgOptions {
  title: string;
  /** A line under the title (the run, the share of idle samples left out). */
  subtitle?: string;
  /** Frames narrower than this share of all samples are left out (keeps the file small). Default 0.001. */
  minShare?: number;
  width?: number;
}

/** The flame graph of folded stacks as SVG text. */
export function flameGraphSvg(folded: Map<string, number>, options: SvgOptions): string {
  const width = options.width ?? 1200;
  const frameHeight = 16;
  const pad = 10;
  const top = options.subtitle ? 48 : 32;
  const root = mergeStacks(folded);
  const total = root.value || 1;
  const minValue = total * (options.minShare ?? 0.001);
  const scale = (width - 2 * pad) / total;
  const rects: Array<{ frame: Frame; x: number; depth: number }> = [];
  let maxDepth = 0;
  const place = (frame: Frame, x: number, depth: number) => {
    rects.push({ frame, x, depth });
    maxDepth = Math.max(maxDepth, depth);
    let childX = x;
    for (const child of [...frame.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (child.value >= minValue) place(child, childX, depth + 1);
      childX += child.value;
    }
  };
  place(root, 0, 0);
  const height = top + (maxDepth + 1) * frameHeight + pad;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Verdana,sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fafafa"/>`,
    `<text x="${width / 2}" y="20" font-size="15" text-anchor="middle">${escapeXml(options.title)}</text>`,
    options.subtitle ? `<text x="${width / 2}" y="38" fill="#555" text-anchor="middle">${escapeXml(options.subtitle)}</text>` : '',
  ];
  for (const { frame, x, depth } of rects) {
    const px = pad + x * scale;
    const w = frame.value * scale;
    const y = height - pad - (depth + 1) * frameHeight;
    const share = ((frame.value / total) * 100).toFixed(2);
    const fits = Math.floor((w - 6) / 6.6);
    const label = fits >= 3 ? (frame.name.length <= fits ? frame.name : `${frame.name.slice(0, fits - 2)}..`) : '';
    out.push(
      `<g><title>${escapeXml(frame.name)} (${frame.value} samples, ${share}%)</title>` +
        `<rect x="${px.toFixed(1)}" y="${y}" width="${Math.max(w - 0.5, 0.1).toFixed(1)}" height="${frameHeight - 1}" fill="${frame === root ? '#ddd' : colour(frame.name)}" rx="2"/>` +
        (label ? `<text x="${(px + 3).toFixed(1)}" y="${y + 11.5}">${escapeXml(label)}</text>` : '') +
        '</g>',
    );
  }
  out.push('</svg>');
  return out.filter(Boolean).join('\n') + '\n';
}

/** Writes `<profile>.svg` next to a `.cpuprofile`; returns its path. */
export async function writeFlameGraph(profileFile: string, title: string): Promise<string> {
  const profile = JSON.parse(await readFile(profileFile, 'utf8')) as CpuProfile;
  const folded = foldStacks(profile);
  const onCpu = [...folded.values()].reduce((a, b) => a + b, 0);
  const idle = profile.samples.length - onCpu;
  const ms = Math.round((profile.endTime - profile.startTime) / 1000);
  const subtitle = `${profile.samples.length} samples over ${ms} ms; ${((idle / (profile.samples.length || 1)) * 100).toFixed(0)}% idle left out; frames under 0.1% not drawn`;
  const target = profileFile.replace(/\.cpuprofile$/, '') + '.svg';
  await writeFile(target, flameGraphSvg(folded, { title, subtitle }));
  return target;
}

// `node --import tsx bench/lib/flame-graph.ts <file.cpuprofile> [title]`: one graph from any saved profile.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, title] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/lib/flame-graph.ts <file.cpuprofile> [title]\n');
    process.exit(2);
  }
  process.stdout.write(`${await writeFlameGraph(file, title ?? file.replace(/^.*\//, ''))}\n`);
}
