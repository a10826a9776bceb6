import { describe, expect, it } from "vitest";
import { Listeners } from "../../../src/ui/listeners";

describe("Listeners", () => {
  it("calls every listener with the value until it is removed", () => {
    const listeners = new Listeners<number>();
    const a: number[] = [];
    const b: number[] = [];
    const removeA = listeners.add((v) => a.push(v));
    listeners.add((v) => b.push(v));
    listeners.emit(1);
    removeA();
    listeners.emit(2);
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
    expect(listeners.size).toBe(1);
  });
});
