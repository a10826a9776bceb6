// jsdom has <dialog> without showModal and close: these stand in for them as
// browsers behave (focus to [autofocus] or the first control; close sets the
// return value and fires "close"). Escape is the browser's: tested end to end.
export function installDialogs(): void {
  const proto = HTMLDialogElement.prototype as HTMLDialogElement & { showModal?: unknown };
  if (typeof proto.showModal === "function") return;
  Object.assign(proto, {
    showModal(this: HTMLDialogElement) {
      this.setAttribute("open", "");
      const first = this.querySelector<HTMLElement>("[autofocus]") ?? this.querySelector("button");
      first?.focus();
    },
    close(this: HTMLDialogElement, value?: string) {
      if (!this.hasAttribute("open")) return;
      if (value !== undefined) this.returnValue = value;
      this.removeAttribute("open");
      this.dispatchEvent(new Event("close"));
    },
  });
}

/** The dialog open on the page with this test id. */
export function openDialog(testId: string): HTMLDialogElement | null {
  return document.querySelector<HTMLDialogElement>(`dialog[open][data-testid="${testId}"]`);
}

/** Lets promise chains and a few tasks run. */
export async function tick(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
