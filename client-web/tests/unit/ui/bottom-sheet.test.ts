// @vitest-environment jsdom
// The side panel's frame: a bottom sheet where the screen is narrow. jsdom
// applies no style sheets, so the frame counts as a sheet (not `display:
// contents`), as on a phone.
import { afterEach, describe, expect, it, vi } from "vitest";
import { BottomSheet, nearestState } from "../../../src/ui/bottom-sheet";
import { headerActions } from "../../../src/ui/header-menu";
import { skipLinks } from "../../../src/ui/skip-link";

afterEach(() => document.body.replaceChildren());

function sheet() {
  const content = document.createElement("aside");
  const field = document.createElement("input");
  content.append(field);
  const refocus = vi.fn(() => outside.focus());
  const outside = document.createElement("button");
  const frame = new BottomSheet(content, "Details", refocus);
  document.body.append(outside, frame.element);
  const peek = frame.element.querySelector<HTMLButtonElement>("[data-testid=sheet-peek]")!;
  const size = frame.element.querySelector<HTMLButtonElement>("[data-testid=sheet-size]")!;
  return { frame, content, field, peek, size, refocus };
}

const key = (target: Element, k: string) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));

describe("bottom sheet", () => {
  it("opens half way from its peek, to full height with its button, and says so", () => {
    const { frame, peek, size } = sheet();
    expect(frame.state).toBe("collapsed");
    expect(size.hidden).toBe(true);
    peek.click();
    expect(frame.state).toBe("half");
    expect(peek.getAttribute("aria-expanded")).toBe("true");
    size.click();
    expect(frame.state).toBe("full");
    size.click();
    expect(frame.state).toBe("half");
  });

  it("opens when focus arrives inside, and Escape collapses it onto the peek", () => {
    const { frame, content, peek } = sheet();
    frame.setSummary("Food Bank");
    expect(peek.textContent).toContain("Food Bank");
    content.focus();
    expect(frame.state).toBe("half");
    key(content, "Escape");
    expect(frame.state).toBe("collapsed");
    expect(document.activeElement).toBe(peek);
  });

  it("a field that lets focus go on Enter hands it to refocus, and the sheet collapses", () => {
    const { frame, field, refocus } = sheet();
    field.focus();
    field.addEventListener("keydown", () => field.blur());
    key(field, "Enter");
    expect(refocus).toHaveBeenCalled();
    expect(frame.state).toBe("collapsed");
  });

  it("settles a swipe where the sheet was last drawn, whatever the release reports", () => {
    const { frame, peek } = sheet();
    frame.setState("full");
    Object.defineProperty(frame.element, "offsetHeight", { value: 660 });
    const at = (type: string, y: number, timeStamp: number) => {
      const e = new PointerEvent(type, { bubbles: true, clientY: y, button: 0, pointerId: 3 });
      Object.defineProperty(e, "timeStamp", { value: timeStamp });
      peek.dispatchEvent(e);
    };
    at("pointerdown", 100, 0);
    at("pointermove", 400, 400);
    at("pointermove", 700, 800);
    // The last moves were coalesced: the release says where the press was.
    at("pointerup", 100, 900);
    expect(frame.state).toBe("collapsed");
  });

  it("settles a swipe at the nearest height", () => {
    expect(nearestState(70, 64, 700)).toBe("collapsed");
    expect(nearestState(330, 64, 700)).toBe("half");
    expect(nearestState(600, 64, 700)).toBe("full");
  });
});

describe("header actions and skip links", () => {
  it("More opens the actions, Escape closes them and focuses More", () => {
    const invite = document.createElement("button");
    invite.textContent = "Invite";
    const wrap = headerActions([invite]);
    document.body.append(wrap);
    const more = wrap.querySelector<HTMLButtonElement>("[data-testid=header-more]")!;
    const box = wrap.querySelector<HTMLElement>(".header-actions")!;
    more.click();
    expect(box.hasAttribute("data-open")).toBe(true);
    expect(more.getAttribute("aria-expanded")).toBe("true");
    key(invite, "Escape");
    expect(box.hasAttribute("data-open")).toBe(false);
    expect(document.activeElement).toBe(more);
  });

  it("a skip link runs its action and keeps the address", () => {
    const go = vi.fn();
    const nav = skipLinks([{ label: "Skip to map", testid: "skip-map", go }]);
    document.body.append(nav);
    const before = location.href;
    nav.querySelector("a")!.click();
    expect(go).toHaveBeenCalled();
    expect(location.href).toBe(before);
  });
});
