// Bounds on everything an op may carry: the numbers of server/crdt/limits.h
// (docs/crdt.md, "Limits"). Ops beyond them are invalid on every replica.

export const NAME_BYTES = 200; // map, draft, variant names
export const LABEL_BYTES = 500; // element/connection/shape labels
export const NOTES_BYTES = 20_000; // element notes
export const STYLE_BYTES = 64; // colour / shape overrides
export const PARTICIPANT_BYTES = 128; // participant ids
export const ASPECT_BYTES = 64; // perspective aspect names
export const PATH_POINTS = 4_096; // points in a boundary/region
export const COORDINATE = 1e7; // |x|, |y| bound on map positions
export const PERSPECTIVE_VALUE = 1e6; // |value| bound
export const INSERT_CODE_POINTS = 1 << 20; // per TextInsert
export const DELETE_RANGES = 1 << 16; // per TextDelete
export const DELETE_RANGE_LENGTH = INSERT_CODE_POINTS * 64; // per range of a TextDelete
export const MIN_DEPTH = 1;
export const MAX_DEPTH = 3;
