// The side panel's pin toggle: a pinned element (ElementFields.pinned) stays
// where it is when a layout runs (layout.ts); the map marks it with a small
// pushpin (nodes.ts). For several selected elements it pins or unpins them
// all, as one undo step.
import type { ConveneDocument, IdKey } from "../crdt/api";
import { htmlEl } from "./dom";
import { iconSvg } from "./icons";

export const PIN_ICON = ["M9 3.5H15L14 9.5L17 12.5H7L10 9.5Z", "M12 12.5V20.5"];

export interface PinToggle {
  element: HTMLElement;
  /** Re-reads the pinned state (after remote edits). */
  refresh(): void;
}

/** A toggle for the elements among `ids`; undefined when there are none. */
export function pinToggle(
  doc: ConveneDocument,
  ids: IdKey[],
  editable: boolean,
  commit: (edit: () => void) => void,
): PinToggle | undefined {
  const elements = ids.filter((id) => doc.element(id) !== undefined);
  if (elements.length === 0) return undefined;
  const allPinned = () => elements.every((id) => !!doc.element(id)?.fields.pinned);
  const text = htmlEl("span", {});
  const button = htmlEl(
    "button",
    {
      type: "button",
      class: "cv-btn cv-pin-toggle",
      "data-testid": "panel-pin",
      "aria-pressed": "false",
      disabled: !editable,
      title: "Pinned elements stay where they are when the map is laid out automatically",
    },
    [iconSvg(PIN_ICON, 16), text],
  );
  const refresh = () => {
    const pinned = allPinned();
    button.setAttribute("aria-pressed", String(pinned));
    // A toggle keeps its words; aria-pressed (and its look) says whether it is on.
    text.textContent = elements.length === 1 ? "Pinned in place" : `${elements.length} pinned`;
  };
  button.addEventListener("click", () => {
    const pinned = !allPinned();
    commit(() => {
      for (const id of elements)
        if (!!doc.element(id)?.fields.pinned !== pinned) doc.updateElement(id, { pinned });
    });
    refresh();
  });
  refresh();
  return { element: htmlEl("div", { class: "cv-panel-actions cv-pin-row" }, [button]), refresh };
}
