// convene-server's REST API (docs/protocol.md, "HTTP"), and where the browser
// keeps the invite links a convener was given.

export interface Invites {
  participant?: string;
  observer?: string;
}

export interface CreatedConvening {
  id: string;
  name: string;
  convenerToken: string;
  invites: Invites;
}

export interface NamedVersion {
  seq: number;
  name: string;
  createdMs: number;
  author: string;
}

export interface ExportedMember {
  id: string;
  name: string;
  colour: string;
  role: string;
}

async function request<T>(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const message = (parsed as { error?: { message?: string } } | undefined)?.error?.message;
    throw new Error(message ?? `the server answered ${response.status}`);
  }
  return parsed as T;
}

export async function createConvening(name: string): Promise<CreatedConvening> {
  const r = await request<{
    id: string;
    name: string;
    convener_token: string;
    invites: Invites;
  }>("POST", "/api/convenings", undefined, { name });
  const created = { id: r.id, name: r.name, convenerToken: r.convener_token, invites: r.invites };
  saveInvites(created.id, created.invites);
  return created;
}

export async function revokeInvite(
  convening: string,
  kind: "participant" | "observer",
  convenerToken: string,
): Promise<string> {
  const r = await request<{ invites: Invites }>(
    "POST",
    `/api/convenings/${encodeURIComponent(convening)}/invites/${kind}/revoke`,
    convenerToken,
  );
  const token = r.invites[kind] ?? "";
  saveInvites(convening, { ...loadInvites(convening), [kind]: token });
  return token;
}

export async function listVersions(convening: string, token: string): Promise<NamedVersion[]> {
  const r = await request<{
    versions: { seq: number; name: string; created_ms: number; author: string }[];
  }>("GET", `/api/convenings/${encodeURIComponent(convening)}/versions`, token);
  return r.versions.map((v) => ({
    seq: v.seq,
    name: v.name,
    createdMs: v.created_ms,
    author: v.author,
  }));
}

export async function nameVersion(
  convening: string,
  token: string,
  version: { name: string; seq: number; author: string },
): Promise<void> {
  await request(
    "POST",
    `/api/convenings/${encodeURIComponent(convening)}/versions`,
    token,
    version,
  );
}

/** Everyone who ever joined (names for the history view). */
export async function pastMembers(convening: string, token: string): Promise<ExportedMember[]> {
  const r = await request<{ members?: ExportedMember[] }>(
    "GET",
    `/api/convenings/${encodeURIComponent(convening)}/export?format=json`,
    token,
  );
  return r.members ?? [];
}

const invitesKey = (convening: string) => `convene.invites.${convening}`;

/** Invite tokens are shown to the convener who created them, in this browser only. */
export function loadInvites(convening: string): Invites {
  try {
    return JSON.parse(localStorage.getItem(invitesKey(convening)) ?? "{}") as Invites;
  } catch {
    return {};
  }
}

function saveInvites(convening: string, invites: Invites): void {
  localStorage.setItem(invitesKey(convening), JSON.stringify(invites));
}

/** The link that admits with `token`: the token rides in the fragment, never sent to servers. */
export function inviteLink(convening: string, token: string): string {
  return `${location.origin}/c/${encodeURIComponent(convening)}#invite=${encodeURIComponent(token)}`;
}
