// The pages before a convening opens: "start a convening" (with the
// convenings this browser belongs to), "join" (anyone with an invite link:
// pick a display name and colour), and what a link that does not work says.
import type { AccessCheck } from "./access-api";
import { createConvening, type CreatedConvening } from "./api-client";
import { h, limitCodePoints } from "./dom";

/** What the join page offers: only "#rrggbb" colours, which the server passes on as they are. */
export const COLOURS = [
  "#2a7f62",
  "#3d5a80",
  "#e07a5f",
  "#8e5ea2",
  "#c9a227",
  "#d1495b",
  "#00798c",
  "#6a994e",
];

const PROFILE_KEY = "convene.profile";

/** The server cuts display names to 64 code points. */
export const MAX_NAME_CODE_POINTS = 64;

/** A display name as the server keeps it: no control characters, at most 64 code points. */
export function cleanName(text: string): string {
  const points = Array.from(text.replace(/\p{Cc}/gu, "").trim());
  return points.slice(0, MAX_NAME_CODE_POINTS).join("").trim();
}

export interface Profile {
  name: string;
  colour: string;
}

/**
 * A first visit's colour: picked at random, so that people who keep the
 * suggested colour are still told apart (cursors, carets, avatars).
 */
function anyColour(): string {
  return COLOURS[Math.floor(Math.random() * COLOURS.length)];
}

/** The name and colour used last, to prefill the join page. */
export function savedProfile(): Profile {
  try {
    const parsed = JSON.parse(localStorage.getItem(PROFILE_KEY) ?? "{}") as Partial<Profile>;
    return {
      name: typeof parsed.name === "string" ? cleanName(parsed.name) : "",
      colour: COLOURS.includes(parsed.colour ?? "") ? (parsed.colour as string) : anyColour(),
    };
  } catch {
    return { name: "", colour: anyColour() };
  }
}

function saveProfile(profile: Profile): void {
  localStorage.setItem(PROFILE_KEY, JSON.stringify(profile));
}

export function brand(): HTMLElement {
  return h(
    "div",
    { class: "brand" },
    h("img", { src: "/favicon.svg", width: 24, height: 24, alt: "" }),
    "Convene",
  );
}

/** A card: the brand, a heading, a lead paragraph and content. */
function card(
  heading: string,
  lead: string,
  ...content: (Node | string | undefined)[]
): HTMLElement {
  return h(
    "section",
    { class: "card" },
    brand(),
    h("h1", {}, heading),
    h("p", { class: "lead" }, lead),
    ...content,
  );
}

/** A page with one card. */
function cardPage(
  heading: string,
  lead: string,
  ...content: (Node | string | undefined)[]
): HTMLElement {
  return h("main", { class: "page" }, card(heading, lead, ...content));
}

/**
 * The landing page: the convenings this browser belongs to (`yours`, a
 * section that hides itself while there are none), and a form to name a new
 * convening and become its convener.
 */
export function startPage(
  onCreated: (created: CreatedConvening) => void,
  yours?: HTMLElement,
): HTMLElement {
  const name = h("input", {
    type: "text",
    id: "convening-name",
    maxlength: 200,
    required: true,
    placeholder: "e.g. River basin partners, spring 2027",
    "data-testid": "convening-name",
  });
  const error = h("p", { class: "form-error", role: "alert" });
  const submit = h(
    "button",
    { class: "primary", type: "submit", "data-testid": "convening-create" },
    "Start a convening",
  );
  const form = h(
    "form",
    {},
    h("div", { class: "field" }, h("label", { for: "convening-name" }, "Convening name"), name),
    submit,
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = name.value.trim();
    if (!value) return void (error.textContent = "Give the convening a name.");
    submit.disabled = true;
    error.textContent = "";
    createConvening(value)
      .then(onCreated)
      .catch((e: unknown) => {
        error.textContent = e instanceof Error ? e.message : String(e);
        submit.disabled = false;
      });
  });
  const start = card(
    "Map the landscape. Write the call. Together.",
    "Start a convening to co-edit a landscape map and the convening call with everyone " +
      "you invite — live, and offline too. You become its convener and get invite links " +
      "for participants and observers.",
    form,
  );
  return h("main", { class: "page" }, h("div", { class: "page-stack" }, yours, start));
}

/** Asks for a display name and colour, then calls onJoin. */
export function joinPage(conveningLabel: string, onJoin: (profile: Profile) => void): HTMLElement {
  const profile = savedProfile();
  let colour = profile.colour;
  const name = h("input", {
    type: "text",
    id: "display-name",
    value: profile.name,
    placeholder: "How others will see you",
    "aria-describedby": "display-name-hint",
    "data-testid": "display-name",
  });
  limitCodePoints(name, MAX_NAME_CODE_POINTS);
  const swatches = h("div", { class: "swatches", role: "radiogroup", "aria-label": "Colour" });
  for (const c of COLOURS) {
    const swatch = h("button", {
      type: "button",
      class: "swatch",
      role: "radio",
      "aria-label": c,
      "aria-checked": String(c === colour),
      style: `background:${c}`,
      "data-testid": "colour-swatch",
    });
    swatch.addEventListener("click", () => {
      colour = c;
      for (const s of swatches.children) s.setAttribute("aria-checked", String(s === swatch));
    });
    swatches.append(swatch);
  }
  const error = h("p", { class: "form-error", role: "alert" });
  const form = h(
    "form",
    {},
    h(
      "div",
      { class: "field" },
      h("label", { for: "display-name" }, "Your name"),
      name,
      h("span", { class: "hint", id: "display-name-hint" }, "Up to 64 characters"),
    ),
    h("div", { class: "field" }, h("label", {}, "Your colour"), swatches),
    h("button", { class: "primary", type: "submit", "data-testid": "join" }, "Join"),
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = cleanName(name.value);
    if (!value) return void (error.textContent = "Tell the others who you are.");
    const chosen = { name: value, colour };
    saveProfile(chosen);
    onJoin(chosen);
  });
  return cardPage("Join the convening", conveningLabel, form);
}

const ROLE_PHRASES: Record<string, string> = {
  convener: "a convener",
  participant: "a participant",
  observer: "an observer",
};

/** What the join page says about where the link leads, as the access check told. */
export function invitationText(convening: string, access: AccessCheck): string {
  if (access.kind !== "admitted") return `You were invited to convening ${convening}.`;
  const as = ROLE_PHRASES[access.role] ?? "a member";
  const link = access.link ? ` (link “${access.link.name}”)` : "";
  return `You were invited to “${access.name}” as ${as}${link}.`;
}

/** Shown while the server says whether a link works. */
export function checkingPage(): HTMLElement {
  return cardPage("Opening your link…", "Checking with the server that the link works.");
}

/**
 * A link that does not admit (any more): revoked, replaced, or never right.
 * `stored` links to the same convening with the access this browser already has.
 */
export function linkGonePage(stored?: string): HTMLElement {
  return cardPage(
    "This link no longer works",
    "Ask the convener for a new one. A convener may have revoked it, or replaced it with a new link.",
    stored
      ? h("p", {}, h("a", { href: stored }, "Open the convening with the access this browser has"))
      : undefined,
    h("a", { href: "/" }, "Your convenings, or start one"),
  );
}

export function noSuchConveningPage(): HTMLElement {
  return cardPage(
    "There is no such convening at this address",
    "Check that the link is complete, or ask whoever sent it for a new one.",
    h("a", { href: "/" }, "Your convenings, or start one"),
  );
}

/** The server was asked too often to check links; `retry` asks again. */
export function busyPage(retry: () => void): HTMLElement {
  const again = h("button", { class: "primary", type: "button" }, "Try again");
  again.addEventListener("click", retry);
  return cardPage(
    "The server is busy",
    "It was asked to check links too often just now. Wait a minute, then try again.",
    again,
  );
}

/** The lock over a convening whose access a convener withdrew (its local copy is deleted). */
export function accessWithdrawnPage(conveningName: string): HTMLElement {
  const which = conveningName ? `“${conveningName}”` : "it";
  const page = cardPage(
    "Your access to this convening was withdrawn by its convener",
    `You can no longer see or edit ${which}, and its copy in this browser has been deleted. ` +
      "If this is a mistake, ask the convener for a new link.",
    h("a", { href: "/" }, "Your convenings, or start one"),
  );
  page.setAttribute("data-testid", "access-withdrawn");
  // Focus moves to the heading, so that screen readers say what happened.
  page.querySelector("h1")?.setAttribute("tabindex", "-1");
  return page;
}

/** Shown when a link carries no invite and this browser has never joined. */
export function noInvitePage(): HTMLElement {
  return cardPage(
    "This link has no invite",
    "Ask the convener for an invite link: it ends in #invite=… and lets you in as a " +
      "participant or an observer.",
    h("a", { href: "/" }, "Start a convening of your own"),
  );
}
