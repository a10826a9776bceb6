// Who is online and where they are looking: the roster kept from Welcome and
// PresenceUpdate, my own presence, and the throttle on sending it.
import { clone, create, toBinary } from "@bufbuild/protobuf";
import {
  PresenceStateSchema,
  type Member,
  type PresenceState,
} from "../gen/convene/v1/protocol_pb";
import type { Participant, PresenceInit } from "../ui/context";
import { roleName } from "./wire";

const FALLBACK_COLOUR = "#888888";
const MAX_NAME_CHARS = 100;

/**
 * The server refuses a PresenceState above 4 KiB serialized or with more than
 * 256 selection ids (ERROR_TOO_LARGE; the presence is ignored).
 */
export const MAX_PRESENCE_BYTES = 4096;
export const MAX_PRESENCE_SELECTION = 256;

/**
 * My presence as the server takes it: a selection too large is cut to its
 * first ids, so that the others see part of it, and my cursor and caret,
 * rather than nothing at all.
 */
export function boundedPresence(state: PresenceState): PresenceState {
  const most = Math.min(state.selection.length, MAX_PRESENCE_SELECTION);
  if (most === state.selection.length && fits(state)) return state;
  const bounded = clone(PresenceStateSchema, state);
  const withSelection = (count: number) => {
    bounded.selection = state.selection.slice(0, count);
    return bounded;
  };
  // The largest selection that fits (ids differ in size: search, not divide).
  let low = 0;
  let high = most;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(withSelection(middle))) low = middle;
    else high = middle - 1;
  }
  return withSelection(low);
}

function fits(state: PresenceState): boolean {
  return toBinary(PresenceStateSchema, state).length < MAX_PRESENCE_BYTES;
}

/** My presence with the fields named in `update` replaced (absent ones kept). */
export function mergePresence(current: PresenceState, update: PresenceInit): PresenceState {
  const given = create(PresenceStateSchema, update) as unknown as Record<string, unknown>;
  const next = clone(PresenceStateSchema, current) as unknown as Record<string, unknown>;
  for (const key of Object.keys(update)) {
    if (key !== "$typeName") next[key] = given[key];
  }
  return next as unknown as PresenceState;
}

/**
 * A member as the UI shows it. Names and colours come from other clients
 * through the server: the colour must look like "#rrggbb" to be used in CSS.
 */
export function participantOf(member: Member): Participant | undefined {
  if (!member.id) return undefined;
  return {
    id: member.id,
    name: member.name.slice(0, MAX_NAME_CHARS),
    colour: /^#[0-9a-fA-F]{6}$/.test(member.colour) ? member.colour : FALLBACK_COLOUR,
    role: roleName(member.role) ?? "observer",
    presence: member.presence,
  };
}

/** Everyone online, me included; I am always listed, online or not. */
export class Roster {
  private readonly others = new Map<string, Participant>();

  constructor(private readonly me: () => Participant) {}

  /** Welcome: the members online now. */
  reset(members: readonly Member[]): void {
    this.others.clear();
    this.update(members, []);
  }

  /** PresenceUpdate: joins and changes, then leaves. */
  update(members: readonly Member[], left: readonly string[]): void {
    const myId = this.me().id;
    for (const member of members) {
      const participant = participantOf(member);
      if (participant && participant.id !== myId) this.others.set(participant.id, participant);
    }
    for (const id of left) this.others.delete(id);
  }

  /** The connection is down: nobody else is known to be online. */
  clear(): void {
    this.others.clear();
  }

  list(): Participant[] {
    return [this.me(), ...this.others.values()];
  }

  get(id: string): Participant | undefined {
    const me = this.me();
    return id === me.id ? me : this.others.get(id);
  }
}

/**
 * At most one call of `send` per interval: the first request goes in the next
 * task (not inside the caller: a keystroke's handler should not pay for
 * sending its caret), later ones within the interval are merged into one
 * trailing call (the sender reads the latest state when it runs).
 */
export class Throttle {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSent = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly send: () => void,
  ) {}

  request(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, wait);
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.lastSent = Date.now();
    this.send();
  }
}
