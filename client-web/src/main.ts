// Entry point: "/" lists the convenings this browser belongs to and starts
// new ones; "/c/<id>#invite=<token>" joins one (the token stays in the
// fragment, which browsers never send to servers) once the server has said
// the link works; "/c/<id>" reopens a convening this browser has joined,
// offline too.
import { LocalStore } from "./net/local-store";
import { registerServiceWorker } from "./net/offline-shell";
import { Session } from "./net/session";
import { checkAccess } from "./ui/access-api";
import { inviteLink } from "./ui/api-client";
import { ConveningsList } from "./ui/convenings-list";
import { h, showToast } from "./ui/dom";
import {
  busyPage,
  checkingPage,
  invitationText,
  joinPage,
  linkGonePage,
  noInvitePage,
  noSuchConveningPage,
  startPage,
  type Profile,
} from "./ui/pages";
import { forgetSavedLinks } from "./ui/saved-links";
import { Shell } from "./ui/shell";
import "./ui/app.css";
import "./ui/history.css";

const root = document.getElementById("app") as HTMLElement;

function conveningFromPath(): string | undefined {
  const match = /^\/c\/([A-Za-z0-9_-]{1,64})\/?$/.exec(location.pathname);
  return match?.[1];
}

function inviteFromFragment(): string | undefined {
  const params = new URLSearchParams(location.hash.slice(1));
  return params.get("invite") ?? undefined;
}

async function openConvening(convening: string): Promise<void> {
  const store = await LocalStore.open();
  const stored = await store.join(convening);
  const invite = inviteFromFragment();
  if (!invite) {
    if (stored) return start(store, convening, stored.token, stored);
    return void root.replaceChildren(noInvitePage());
  }
  // A link that does not work says so before anyone types a name.
  root.replaceChildren(checkingPage());
  const access = await checkAccess(convening, invite);
  switch (access.kind) {
    case "gone":
      if (access.revoked && invite === stored?.token) {
        await store.forget(convening);
        forgetSavedLinks(convening);
      }
      return void root.replaceChildren(
        linkGonePage(stored && invite !== stored.token ? `/c/${convening}` : undefined),
      );
    case "unknown":
      return void root.replaceChildren(noSuchConveningPage());
    case "busy":
      return void root.replaceChildren(busyPage(route));
  }
  // Admitted, or unreachable (offline): what this browser holds decides.
  if (stored && invite === stored.token) return start(store, convening, invite, stored);
  root.replaceChildren(
    joinPage(
      invitationText(convening, access),
      (profile) => void start(store, convening, invite, profile),
    ),
  );
}

/** The start page, with the convenings this browser belongs to (when IndexedDB opens). */
async function showStartPage(): Promise<void> {
  let yours: ConveningsList | undefined;
  try {
    yours = new ConveningsList(await LocalStore.open());
  } catch {
    // No IndexedDB here (a private window, say): nothing is kept to list.
  }
  root.replaceChildren(
    startPage((created) => {
      location.assign(inviteLink(created.id, created.convenerToken));
    }, yours?.element),
  );
  await yours?.load();
}

async function start(
  store: LocalStore,
  convening: string,
  token: string,
  profile: Profile,
): Promise<void> {
  const session = await Session.open({
    convening,
    token,
    name: profile.name,
    colour: profile.colour,
    storage: store,
  });
  // The invite is stored with the join record now: keep it out of the
  // address bar, screenshots and history.
  history.replaceState(null, "", `/c/${convening}`);
  const shell = new Shell(session, token);
  root.replaceChildren(shell.element);
}

function route(): void {
  const convening = conveningFromPath();
  if (convening) {
    openConvening(convening).catch((e: unknown) => {
      root.replaceChildren(
        h(
          "main",
          { class: "page" },
          h(
            "section",
            { class: "card" },
            h("h1", {}, "Could not open the convening"),
            h("p", {}, String(e)),
          ),
        ),
      );
    });
    return;
  }
  showStartPage().catch((e: unknown) => showToast(`Could not list your convenings: ${String(e)}`));
}

window.addEventListener("hashchange", () => {
  if (inviteFromFragment()) route();
});
registerServiceWorker().catch((e: unknown) =>
  showToast(`Offline use is unavailable: ${String(e)}`),
);
route();
