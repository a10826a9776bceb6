// What a link admits to, asked before anything else (GET .../access), and
// the convener links of a convening: one per co-convener or device, each
// revocable on its own (docs/protocol.md, "HTTP").
import type { RoleName } from "./context";
import { ApiError, request } from "./api-client";
import { saveConvenerLinkToken } from "./saved-links";

/**
 * admitted: the link works (a convener link says which one it is);
 * gone: revoked, or it does not admit to this convening; unknown: no such
 * convening; busy: the server was asked too often; unreachable: no answer
 * (offline, or the server failing): what is stored here is all there is.
 */
export type AccessCheck =
  | { kind: "admitted"; name: string; role: RoleName; link?: { id: string; name: string } }
  | { kind: "gone"; revoked: boolean }
  | { kind: "unknown" }
  | { kind: "busy" }
  | { kind: "unreachable" };

export interface ConvenerLink {
  id: string;
  name: string;
  createdMs: number;
  revoked: boolean;
  /** The link the asking browser uses. */
  current: boolean;
}

/** The longest name of a convener link, in characters (code points), as the server keeps it. */
export const MAX_LINK_NAME = 64;

const base = (convening: string) => `/api/convenings/${encodeURIComponent(convening)}`;

export async function checkAccess(convening: string, token: string): Promise<AccessCheck> {
  try {
    const r = await request<{
      name: string;
      role: RoleName;
      link?: { id: string; name: string };
    }>("GET", `${base(convening)}/access`, token);
    return { kind: "admitted", name: r.name, role: r.role, link: r.link };
  } catch (error) {
    return refusal(error);
  }
}

function refusal(error: unknown): AccessCheck {
  if (!(error instanceof ApiError) || error.status >= 500) return { kind: "unreachable" };
  if (error.status === 404) return { kind: "unknown" };
  if (error.status === 429) return { kind: "busy" };
  if (error.status === 401 || error.status === 403) {
    return { kind: "gone", revoked: error.code === "revoked" };
  }
  return { kind: "unreachable" };
}

interface WireLink {
  id: string;
  name: string;
  created_ms: number;
  revoked?: boolean;
  current?: boolean;
}

function fromWire(link: WireLink): ConvenerLink {
  return {
    id: link.id,
    name: link.name,
    createdMs: link.created_ms,
    revoked: link.revoked === true,
    current: link.current === true,
  };
}

export async function listConvenerLinks(
  convening: string,
  convenerToken: string,
): Promise<ConvenerLink[]> {
  const r = await request<{ conveners: WireLink[] }>(
    "GET",
    `${base(convening)}/conveners`,
    convenerToken,
  );
  return r.conveners.map(fromWire);
}

/** Adds a named convener link; its token is kept in this browser (saved-links.ts). */
export async function addConvenerLink(
  convening: string,
  convenerToken: string,
  name: string,
): Promise<ConvenerLink & { token: string }> {
  const r = await request<WireLink & { token: string }>(
    "POST",
    `${base(convening)}/conveners`,
    convenerToken,
    { name },
  );
  saveConvenerLinkToken(convening, r.id, r.token);
  return { ...fromWire(r), token: r.token };
}

/** Revokes a convener link: whoever uses it loses access at once. Returns the links after. */
export async function revokeConvenerLink(
  convening: string,
  convenerToken: string,
  linkId: string,
): Promise<ConvenerLink[]> {
  const r = await request<{ conveners: WireLink[] }>(
    "POST",
    `${base(convening)}/conveners/${encodeURIComponent(linkId)}/revoke`,
    convenerToken,
  );
  return r.conveners.map(fromWire);
}
