// The rule for moving focus in both SPAs and this kit (src/focus.ts says why): in a layout effect
// (`useLayoutEffect`) or with `focusOnMount`, never in a passive effect (`useEffect`) nor an inline ref callback.
// PLUS Web's credit refund form focused its Amount from a passive effect, which took the reason being typed into
// Reason ("10.00Client asked…"): the browser test "a supervisor applies Morgan's credit…" failed on it in 2026-11-30
// and 2026-12-01 runs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCES = ['frontend-kit/src', 'frontend-plus/src', 'frontend-myaccount/src'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [file] : [];
  });
}

/** The text of the call that opens at `open` (the index of its `(`), up to its matching `)`. */
function callText(source: string, open: number): string {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === '(') depth++;
    else if (source[i] === ')' && --depth === 0) return source.slice(open, i + 1);
  }
  return source.slice(open);
}

/** Where `source` moves focus against the rule, as `file:line`: a `useEffect(…)` whose text calls `.focus(`, or
 * an inline ref callback that does (`ref={(b) => b?.focus()}`). */
function focusMovesAgainstTheRule(source: string, file: string): string[] {
  const lineOf = (index: number) => source.slice(0, index).split('\n').length;
  const found: number[] = [];
  for (const match of source.matchAll(/\buseEffect\(/g)) {
    const open = (match.index ?? 0) + match[0].length - 1;
    if (callText(source, open).includes('.focus(')) found.push(lineOf(match.index ?? 0));
  }
  for (const match of source.matchAll(/\bref=\{\s*\(/g)) {
    const open = (match.index ?? 0) + match[0].length - 1;
    const end = source.indexOf('}', open);
    if (source.slice(open, end).includes('.focus(')) found.push(lineOf(match.index ?? 0));
  }
  return found.sort((a, b) => a - b).map((line) => `${file}:${line}`);
}

describe('focus moves', () => {
  it('the check finds a passive effect or an inline ref that focuses, and nothing else', () => {
    expect(focusMovesAgainstTheRule('  useEffect(() => input.current?.focus(), []);', 'a.tsx')).toEqual(['a.tsx:1']);
    expect(focusMovesAgainstTheRule('x\n  useEffect(() => {\n    if (open) button.current?.focus();\n  }, [open]);', 'b.tsx'))
      .toEqual(['b.tsx:2']);
    // A focus after a nested call, and deps over several lines.
    expect(focusMovesAgainstTheRule('useEffect(() => {\n  later(() => {});\n  b.focus();\n}, [\n  a,\n]);', 'c.tsx'))
      .toEqual(['c.tsx:1']);
    expect(focusMovesAgainstTheRule('<button ref={(b) => b?.focus()}>', 'd.tsx')).toEqual(['d.tsx:1']);
    expect(focusMovesAgainstTheRule('  useLayoutEffect(() => input.current?.focus(), []);', 'e.tsx')).toEqual([]);
    expect(focusMovesAgainstTheRule('<button ref={focusOnMount}>', 'f.tsx')).toEqual([]);
    expect(focusMovesAgainstTheRule('  useEffect(() => {\n    document.title = t;\n  }, [t]);\n  const f = () => x.focus();', 'g.tsx'))
      .toEqual([]);
  });

  it('follow it in both SPAs and the kit', () => {
    const found = SOURCES.flatMap((dir) => sourceFiles(path.join(root, dir)).flatMap((file) =>
      focusMovesAgainstTheRule(readFileSync(file, 'utf8'), path.relative(root, file))));
    expect(found).toEqual([]);
  });
});
