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

// A map's own vocabulary (docs/crdt.md, "Vocabulary").
export const TAG_BYTES = 64; // a tag: 1..64 bytes
export const VOCABULARY_NAME_BYTES = 200; // field, kind and view names
export const FIELD_CHOICES = 100; // choices of a choice field
export const CHOICE_BYTES = 200; // each choice: 1..200 bytes
export const FIELD_TEXT_BYTES = 2_000; // a text value of a custom field
export const FIELD_NUMBER = 1e15; // |value| bound of a number value
export const RULE_VALUE_BYTES = 500; // the value a style rule matches
export const MIN_RULE_SIZE = 0.25;
export const MAX_RULE_SIZE = 4;
export const ORDER = 1e9; // |order| of style rules and views
export const MAX_ZOOM = 1000; // a saved view's zoom: 0 < zoom <= 1000
export const VIEW_ENUM_LIST = 16; // kinds, scales, connection kinds of a view filter
export const VIEW_ID_LIST = 256; // custom kinds, tags, authors of a view filter
export const VIEW_HIGHLIGHTS = 1_000;
export const VIEW_SEARCH_BYTES = 200;

// What the server admits from clients (docs/crdt.md, "Admission"): apply
// takes ops beyond these, but local edits stay inside them so the server
// does not refuse them.
export const TAGS_PER_TARGET = 64;
export const VOCABULARY_PER_MAP = 200; // fields, kinds, rules or views, each, removed ones too
