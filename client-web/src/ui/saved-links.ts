// The links this browser was given and can show again: the invite tokens of
// a convening it created or whose invites it replaced, and the tokens of the
// convener links it added. The server keeps only their hashes, so a link is
// shown again only in the browser that got it. localStorage, per convening.

export interface Invites {
  participant?: string;
  observer?: string;
}

const invitesKey = (convening: string) => `convene.invites.${convening}`;
const convenerLinksKey = (convening: string) => `convene.convener-links.${convening}`;

/** Invite tokens are shown to the convener who got them, in this browser only. */
export function loadInvites(convening: string): Invites {
  return readJson<Invites>(invitesKey(convening));
}

export function saveInvites(convening: string, invites: Invites): void {
  localStorage.setItem(invitesKey(convening), JSON.stringify(invites));
}

/** Convener link id -> token, for the links added in this browser. */
export function loadConvenerLinkTokens(convening: string): Record<string, string> {
  return readJson<Record<string, string>>(convenerLinksKey(convening));
}

export function saveConvenerLinkToken(convening: string, linkId: string, token: string): void {
  const tokens = { ...loadConvenerLinkTokens(convening), [linkId]: token };
  localStorage.setItem(convenerLinksKey(convening), JSON.stringify(tokens));
}

/** Forgets every link kept for a convening (its access was withdrawn, or it was forgotten here). */
export function forgetSavedLinks(convening: string): void {
  localStorage.removeItem(invitesKey(convening));
  localStorage.removeItem(convenerLinksKey(convening));
}

function readJson<T extends object>(key: string): T {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(key) ?? "{}");
    return (value && typeof value === "object" ? value : {}) as T;
  } catch {
    return {} as T;
  }
}
