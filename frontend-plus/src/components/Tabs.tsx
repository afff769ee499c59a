import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

export interface Tab<Id extends string> {
  id: Id;
  label: string;
}

/** WAI-ARIA tabs: arrow keys, Home and End move between tabs; the panel follows. */
export function Tabs<Id extends string>(props: {
  label: string;
  tabs: Tab<Id>[];
  active: Id;
  onSelect: (id: Id) => void;
  children: ComponentChildren;
}) {
  const list = useRef<HTMLDivElement>(null);
  const index = props.tabs.findIndex((t) => t.id === props.active);

  const onKeyDown = (event: KeyboardEvent) => {
    const last = props.tabs.length - 1;
    const next: Record<string, number> = { ArrowRight: index === last ? 0 : index + 1,
      ArrowLeft: index === 0 ? last : index - 1, Home: 0, End: last };
    const target = next[event.key];
    const tab = target === undefined ? undefined : props.tabs[target];
    if (!tab) return;
    event.preventDefault();
    props.onSelect(tab.id);
    list.current?.querySelector<HTMLElement>(`#tab-${tab.id}`)?.focus();
  };

  return (
    <div class="tabs">
      <div role="tablist" aria-label={props.label} ref={list} onKeyDown={onKeyDown}>
        {props.tabs.map((tab) => (
          <button key={tab.id} type="button" role="tab" id={`tab-${tab.id}`} aria-controls={tab.id === props.active ? `panel-${tab.id}` : undefined}
            aria-selected={tab.id === props.active} tabIndex={tab.id === props.active ? 0 : -1}
            onClick={() => props.onSelect(tab.id)}>
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${props.active}`} aria-labelledby={`tab-${props.active}`} class="tabpanel">
        {props.children}
      </div>
    </div>
  );
}
