// convene-server's REST API (docs/protocol.md, "HTTP"): convenings, invites
// and named versions. Access checks and convener links: access-api.ts.
import { loadInvites, saveInvites, type Invites } from "./saved-links";

export type { Invites };

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

/** An answer other than 2xx: its status and the error's code ("revoked", "forbidden", ...). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Calls the API; throws ApiError for an answer that is not 2xx, TypeError when unreachable. */
export async function request<T>(
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
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    const message = error?.message ?? `the server answered ${response.status}`;
    throw new ApiError(response.status, error?.code ?? "", message);
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

/** Names the state after `seq`, signed as the member `signature` proves (the author's name is the server's record of them). */
export async function nameVersion(
  convening: string,
  token: string,
  version: { name: string; seq: number; member: string; secret: string },
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
    `/api/convenings/${encodeURIComponent(convening)}/members`,
    token,
  );
  return r.members ?? [];
}

/** The link that admits with `token`: the token rides in the fragment, never sent to servers. */
export function inviteLink(convening: string, token: string): string {
  return `${location.origin}/c/${encodeURIComponent(convening)}#invite=${encodeURIComponent(token)}`;
}
