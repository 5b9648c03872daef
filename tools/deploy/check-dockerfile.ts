import { validate } from 'dockerfile-utils';

/**
 * Lints a Dockerfile: dockerfile-utils' validator (the one behind the VS Code Docker language server:
 * syntax, arguments, duplicate CMD/ENTRYPOINT, ...) and the image rules of ADR 0031 that no linter here
 * knows: several stages, a pinned base image (no `latest`, no bare name), a non-root USER in the final
 * stage, a HEALTHCHECK, STOPSIGNAL, exec-form ENTRYPOINT/CMD (so SIGTERM reaches the process), no ADD of
 * local files, no `npm install` (npm ci from the lockfile).
 */
export function lintDockerfile(content: string): string[] {
  const problems = validate(content).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  // Continuation lines joined, comments dropped: one instruction per entry.
  const instructions = content
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ op: l.split(/\s+/)[0]!.toUpperCase(), rest: l.slice(l.split(/\s+/)[0]!.length).trim() }));
  const args = new Map(instructions.filter((i) => i.op === 'ARG').map((i) => i.rest.split('=') as [string, string]));
  const froms = instructions.filter((i) => i.op === 'FROM');
  if (froms.length < 2) problems.push('a single stage: build in one stage, copy only what runs into another');
  for (const from of froms) {
    const image = from.rest.split(/\s+/)[0]!.replace(/^\$\{?(\w+)\}?$/, (_m, name: string) => args.get(name) ?? `$${name}`);
    const stageRef = froms.some((f) => new RegExp(`\\bAS\\s+${image}$`, 'i').test(f.rest));
    if (!stageRef && (!/:[\w.-]+$/.test(image) || /:latest$/.test(image))) problems.push(`FROM ${image}: pin the base image's tag`);
  }
  const finalStage = instructions.slice(instructions.lastIndexOf(froms.at(-1)!));
  const user = finalStage.filter((i) => i.op === 'USER').at(-1);
  if (!user || /^(root|0)(:|$)/.test(user.rest)) problems.push('the final stage runs as root: add USER with a non-root user');
  if (!finalStage.some((i) => i.op === 'HEALTHCHECK' && !/^NONE$/i.test(i.rest))) problems.push('no HEALTHCHECK in the final stage');
  if (!finalStage.some((i) => i.op === 'STOPSIGNAL')) problems.push('no STOPSIGNAL in the final stage');
  for (const i of finalStage.filter((x) => x.op === 'ENTRYPOINT' || x.op === 'CMD')) {
    if (!i.rest.startsWith('[')) problems.push(`${i.op} ${i.rest}: use the exec form (JSON array) so signals reach the process`);
  }
  for (const i of instructions) {
    if (i.op === 'ADD' && !/^(--\S+\s+)*https?:\/\//.test(i.rest)) problems.push(`ADD ${i.rest}: use COPY for local files`);
    if (i.op === 'RUN' && /\bnpm (install|i)\b/.test(i.rest)) problems.push(`RUN ${i.rest}: use npm ci (the lockfile) in an image`);
  }
  return problems;
}
