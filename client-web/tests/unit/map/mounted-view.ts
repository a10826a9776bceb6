// A live map view mounted in jsdom for tests: shown at zoom 1 round (0, 0),
// where map point (x, y) is client (x + OX, y + OY) (jsdom's fallback size),
// and taken down after each test.
import { afterEach } from "vitest";
import { createMapView, type MapView } from "../../../src/map/map-view";
import type { FakeContext } from "./fake-doc";

export const OX = 480;
export const OY = 320;

let mounted: MapView | undefined;

afterEach(() => {
  mounted?.destroy();
  mounted = undefined;
  document.body.replaceChildren();
});

/** Mounts a map view for `ctx` at zoom 1 round (0, 0); the next test starts without it. */
export function mountMapView(
  ctx: FakeContext,
  options: Parameters<typeof createMapView>[1] = {},
): MapView {
  mounted = createMapView(ctx, options);
  document.body.append(mounted.element);
  mounted.setViewport({ x: 0, y: 0, zoom: 1 });
  return mounted;
}
