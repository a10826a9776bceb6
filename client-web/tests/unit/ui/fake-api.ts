// A stand-in for convene-server's REST API behind fetch (docs/protocol.md,
// "HTTP"): access checks, invites and convener links of one convening, with
// the answers and error codes the server gives.
import { vi } from "vitest";

export interface FakeLink {
  id: string;
  name: string;
  token: string;
  created_ms: number;
  revoked: boolean;
}

type Answer = [status: number, body: unknown];

export class FakeApi {
  readonly convening = "c1";
  name = "River basin";
  readonly links: FakeLink[] = [
    { id: "L1", name: "Convener", token: "conv-1", created_ms: 1, revoked: false },
  ];
  invites = { participant: "part-1", observer: "obs-1" };
  revokedTokens = new Set<string>();
  /** Every request: method, path and the bearer token. */
  readonly calls: { method: string; path: string; token: string; body?: unknown }[] = [];
  /** When set, every request fails as if the network were down. */
  offline = false;

  install(): void {
    vi.stubGlobal("fetch", (path: string, init: RequestInit = {}) => this.fetch(path, init));
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    if (this.offline) throw new TypeError("Failed to fetch");
    const method = init.method ?? "GET";
    const token = /^Bearer (.*)$/.exec(new Headers(init.headers).get("Authorization") ?? "")?.[1];
    const body = typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
    this.calls.push({ method, path, token: token ?? "", body });
    const [status, answer] = this.answer(method, path, token, body);
    return new Response(JSON.stringify(answer), {
      status,
      headers: { "Content-Type": "application/json" },
    });
  }

  private answer(method: string, path: string, token: string | undefined, body: unknown): Answer {
    const match = /^\/api\/convenings\/([^/]+)\/(.*)$/.exec(path);
    if (!match || match[1] !== this.convening) return error(404, "not_found");
    if (!token) return error(401, "unauthorized");
    if (this.revokedTokens.has(token)) return error(403, "revoked");
    const role = this.roleOf(token);
    if (!role) return error(403, "forbidden");
    const rest = match[2];
    if (rest === "access" && method === "GET") return this.access(role, token);
    if (role !== "convener") return error(403, "forbidden");
    if (rest === "conveners" && method === "GET") return [200, this.linkList(token)];
    if (rest === "conveners" && method === "POST")
      return this.addLink((body as { name: string }).name);
    const revoke = /^conveners\/([^/]+)\/revoke$/.exec(rest);
    if (revoke && method === "POST") return this.revokeLink(revoke[1], token);
    const invite = /^invites\/(participant|observer)\/revoke$/.exec(rest);
    if (invite && method === "POST") return this.revokeInvite(invite[1] as "participant");
    return error(404, "not_found");
  }

  private roleOf(token: string): string | undefined {
    if (this.links.some((l) => l.token === token && !l.revoked)) return "convener";
    if (token === this.invites.participant) return "participant";
    if (token === this.invites.observer) return "observer";
    return undefined;
  }

  private access(role: string, token: string): Answer {
    const link = this.links.find((l) => l.token === token);
    return [
      200,
      {
        id: this.convening,
        name: this.name,
        role,
        ...(link ? { link: { id: link.id, name: link.name } } : {}),
      },
    ];
  }

  private linkList(token: string) {
    return {
      conveners: this.links.map((l) => ({
        id: l.id,
        name: l.name,
        created_ms: l.created_ms,
        revoked: l.revoked,
        current: l.token === token,
      })),
    };
  }

  private addLink(name: string): Answer {
    const link = {
      id: `L${this.links.length + 1}`,
      name,
      token: `conv-${this.links.length + 1}`,
      created_ms: 1000 + this.links.length,
      revoked: false,
    };
    this.links.push(link);
    return [201, { id: link.id, name, token: link.token, created_ms: link.created_ms }];
  }

  private revokeLink(id: string, token: string): Answer {
    const link = this.links.find((l) => l.id === id);
    if (!link) return error(404, "not_found");
    if (!link.revoked && this.links.filter((l) => !l.revoked).length === 1) {
      return error(409, "last_convener", "this is the last convener link in force");
    }
    link.revoked = true;
    this.revokedTokens.add(link.token);
    return [200, this.linkList(token)];
  }

  private revokeInvite(kind: "participant" | "observer"): Answer {
    this.revokedTokens.add(this.invites[kind]);
    this.invites = { ...this.invites, [kind]: `${this.invites[kind]}x` };
    return [200, { invites: { [kind]: this.invites[kind] } }];
  }
}

function error(status: number, code: string, message = code): Answer {
  return [status, { error: { code, message } }];
}
