// The top bar's actions (follow, import, export, invite) behind one "More"
// button where the screen is narrow. The actions stay the same elements in
// the same place in the DOM: on a wide screen their box is `display:
// contents` and the button is hidden (responsive.css), so nothing moves;
// on a narrow one the box is a menu that the button opens. Escape closes
// whichever menu is open inside (this one, or the Export menu within it)
// and gives focus back to the button that opened it.
import { h } from "./dom";

let menus = 0;

export function headerActions(actions: HTMLElement[]): HTMLElement {
  const id = `header-actions-${++menus}`;
  const box = h("div", { class: "header-actions", id }, ...actions);
  const toggle = h(
    "button",
    {
      class: "header-more quiet",
      "data-testid": "header-more",
      "aria-haspopup": "true",
      "aria-expanded": "false",
      "aria-controls": id,
      title: "Import, export, invite, follow",
    },
    h("span", { "aria-hidden": "true" }, "⋯"),
    h("span", { class: "header-more-label" }, "More"),
  );
  const setOpen = (open: boolean, focusBack = false) => {
    toggle.setAttribute("aria-expanded", String(open));
    box.toggleAttribute("data-open", open);
    if (open) firstEnabled(box)?.focus();
    else if (focusBack) toggle.focus();
  };
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  box.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    // An inner menu (Export) first: closed, its own button gets focus.
    const inner = [...box.querySelectorAll<HTMLElement>(".menu-items")].find((m) => !m.hidden);
    if (inner) {
      inner.hidden = true;
      inner.parentElement?.querySelector<HTMLElement>("[aria-haspopup]")?.focus();
    } else if (box.hasAttribute("data-open")) {
      setOpen(false, true);
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  });
  // An action chosen, or a press elsewhere: the menu closes.
  box.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (button && !button.hasAttribute("aria-haspopup")) setOpen(false);
  });
  document.addEventListener("pointerdown", (event) => {
    const target = event.target as Node;
    if (!box.contains(target) && !toggle.contains(target)) setOpen(false);
  });
  return h("div", { class: "header-actions-wrap" }, toggle, box);
}

function firstEnabled(box: HTMLElement): HTMLElement | undefined {
  return [...box.querySelectorAll<HTMLButtonElement>("button")].find(
    (b) => !b.disabled && b.offsetParent !== null,
  );
}
