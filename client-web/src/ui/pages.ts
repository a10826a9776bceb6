// The two pages before a convening opens: "start a convening" (the convener)
// and "join" (anyone with an invite link: pick a display name and colour).
import { h } from "./dom";
import { createConvening, type CreatedConvening } from "./api-client";

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
      name: typeof parsed.name === "string" ? parsed.name.slice(0, 100) : "",
      colour: COLOURS.includes(parsed.colour ?? "") ? (parsed.colour as string) : anyColour(),
    };
  } catch {
    return { name: "", colour: anyColour() };
  }
}

function saveProfile(profile: Profile): void {
  localStorage.setItem(PROFILE_KEY, JSON.stringify(profile));
}

function brand(): HTMLElement {
  return h(
    "div",
    { class: "brand" },
    h("img", { src: "/favicon.svg", width: 24, height: 24, alt: "" }),
    "Convene",
  );
}

/** A page with one card: the brand, a heading, a lead paragraph and content. */
function cardPage(heading: string, lead: string, ...content: (Node | string)[]): HTMLElement {
  return h(
    "main",
    { class: "page" },
    h(
      "section",
      { class: "card" },
      brand(),
      h("h1", {}, heading),
      h("p", { class: "lead" }, lead),
      ...content,
    ),
  );
}

/** The landing page: name a convening and become its convener. */
export function startPage(onCreated: (created: CreatedConvening) => void): HTMLElement {
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
  return cardPage(
    "Map the landscape. Write the call. Together.",
    "Start a convening to co-edit a landscape map and the convening call with everyone " +
      "you invite — live, and offline too. You become its convener and get invite links " +
      "for participants and observers.",
    form,
  );
}

/** Asks for a display name and colour, then calls onJoin. */
export function joinPage(conveningLabel: string, onJoin: (profile: Profile) => void): HTMLElement {
  const profile = savedProfile();
  let colour = profile.colour;
  const name = h("input", {
    type: "text",
    id: "display-name",
    maxlength: 100,
    value: profile.name,
    placeholder: "How others will see you",
    "data-testid": "display-name",
  });
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
    h("div", { class: "field" }, h("label", { for: "display-name" }, "Your name"), name),
    h("div", { class: "field" }, h("label", {}, "Your colour"), swatches),
    h("button", { class: "primary", type: "submit", "data-testid": "join" }, "Join"),
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = name.value.trim();
    if (!value) return void (error.textContent = "Tell the others who you are.");
    const chosen = { name: value.slice(0, 100), colour };
    saveProfile(chosen);
    onJoin(chosen);
  });
  return cardPage("Join the convening", conveningLabel, form);
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
