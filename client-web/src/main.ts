// Entry point: "/" starts a convening; "/c/<id>#invite=<token>" joins one
// (the token stays in the fragment, which browsers never send to servers);
// "/c/<id>" reopens a convening this browser has joined, offline too.
import { LocalStore } from "./net/local-store";
import { registerServiceWorker } from "./net/offline-shell";
import { Session } from "./net/session";
import { inviteLink } from "./ui/api-client";
import { h, showToast } from "./ui/dom";
import { joinPage, noInvitePage, startPage, type Profile } from "./ui/pages";
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
  if (invite && invite !== stored?.token) {
    root.replaceChildren(
      joinPage(
        `You were invited to convening ${convening}.`,
        (profile) => void start(store, convening, invite, profile),
      ),
    );
    return;
  }
  if (stored) return start(store, convening, stored.token, stored);
  root.replaceChildren(noInvitePage());
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
  root.replaceChildren(
    startPage((created) => {
      location.assign(inviteLink(created.id, created.convenerToken));
    }),
  );
}

window.addEventListener("hashchange", () => {
  if (inviteFromFragment()) route();
});
registerServiceWorker().catch((e: unknown) =>
  showToast(`Offline use is unavailable: ${String(e)}`),
);
route();
