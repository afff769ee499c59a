// The rule for moving focus in both SPAs and this kit: from a layout effect (`useLayoutEffect`), never a passive one
// (`useEffect`). A passive effect runs after the browser has painted, so a person (or a test) who has already put the
// cursor in another field of a form that just opened can have their typing sent to the field the effect focuses:
// PLUS Web's credit refund form took the reason typed into Reason as the Amount ("10.00Client asked…" — the browser
// test "a supervisor applies Morgan's credit…" failed on it in 2026-11-30 and 2026-12-01 runs). A layout effect runs
// in the same commit as the render that shows the element, before any later input.
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

/** Each `useEffect(` whose body (up to its closing `}, [deps]);` or `);`) calls `.focus(`, as `file:line`. */
function passiveFocusEffects(source: string, file: string): string[] {
  const lines = source.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    if (!line.includes('useEffect(')) return;
    let body = line;
    if (!/\);\s*$/.test(line)) {
      for (let j = i + 1; j < Math.min(lines.length, i + 15); j++) {
        body += `\n${lines[j]}`;
        if (/^\s*\}?,?\s*\[.*\]\s*,?\s*\);\s*$/.test(lines[j]) || /^\s*\}\);\s*$/.test(lines[j]) || /^\s*\);\s*$/.test(lines[j])) break;
      }
    }
    if (body.includes('.focus(')) found.push(`${file}:${i + 1}`);
  });
  return found;
}

describe('focus moves', () => {
  it('the check finds a passive effect that focuses, in either form', () => {
    expect(passiveFocusEffects('  useEffect(() => input.current?.focus(), []);', 'a.tsx')).toEqual(['a.tsx:1']);
    expect(passiveFocusEffects('  useEffect(() => {\n    if (open) button.current?.focus();\n  }, [open]);', 'b.tsx')).toEqual(['b.tsx:1']);
    expect(passiveFocusEffects('  useLayoutEffect(() => input.current?.focus(), []);', 'c.tsx')).toEqual([]);
    expect(passiveFocusEffects('  useEffect(() => {\n    document.title = t;\n  }, [t]);\n  const f = () => x.focus();', 'd.tsx')).toEqual([]);
  });

  it('happen in layout effects in both SPAs and the kit', () => {
    const found = SOURCES.flatMap((dir) => sourceFiles(path.join(root, dir)).flatMap((file) =>
      passiveFocusEffects(readFileSync(file, 'utf8'), path.relative(root, file))));
    expect(found).toEqual([]);
  });
});
