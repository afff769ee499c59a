import type { ComponentChildren } from 'preact';
import { useId, useLayoutEffect, useRef } from 'preact/hooks';

interface Props {
  title: string;
  children: ComponentChildren;
  /** Without it the dialog cannot be dismissed (Escape does nothing): it is the end of the flow. */
  onClose?: () => void;
}

/** A modal pop-up: the native <dialog> keeps focus inside it and makes the page behind it inert. */
export function Dialog({ title, children, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const id = useId();

  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (typeof dialog.showModal === 'function' && !dialog.open) dialog.showModal();
    else dialog.setAttribute('open', '');
    headingRef.current?.focus();
    return () => dialog.open && dialog.close?.();
  }, []);

  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-modal="true"
      aria-labelledby={id}
      onCancel={(event) => {
        event.preventDefault();
        onClose?.();
      }}
    >
      <h2 id={id} ref={headingRef} tabIndex={-1}>
        {title}
      </h2>
      {children}
    </dialog>
  );
}
