// The bar above the map: which map (pick, create, rename), the drawing tools,
// the disagreement toggle and the SVG export.
import type { IdKey, NamedView } from "../crdt/api";
import { htmlEl } from "./dom";
import { FILTER_ICON } from "./filter-panel";
import { FIND_ICON } from "./find";
import { iconSvg, TOOL_ICONS } from "./icons";
import { LayoutMenu, type LayoutMenuHost } from "./layout-menu";
import { VOCABULARY_ICON } from "./vocabulary-dialog";

export type ToolName = "select" | "connect" | "boundary" | "region" | "sphere" | "me";

export const TOOLS: { name: ToolName; label: string; title: string; editing: boolean }[] = [
  {
    name: "select",
    label: "Select",
    title: "Select and move (drag the background to pan)",
    editing: false,
  },
  {
    name: "connect",
    label: "Connect",
    title: "Drag from one element to another to connect them",
    editing: true,
  },
  {
    name: "boundary",
    label: "Boundary",
    title: "Draw a boundary line: click points, double-click to finish",
    editing: true,
  },
  {
    name: "region",
    label: "Region",
    title: "Draw a region: click points, double-click to finish",
    editing: true,
  },
  { name: "sphere", label: "My sphere", title: "Draw your sphere of influence", editing: true },
  {
    name: "me",
    label: "Put me on the map",
    title: "Click where you stand in this landscape",
    editing: true,
  },
];

export interface ToolbarHost {
  maps(): NamedView[];
  currentMap(): IdKey | undefined;
  editable(): boolean;
  showMap(map: IdKey): void;
  createMap(): void;
  renameMap(name: string): void;
  setTool(tool: ToolName): void;
  setShowDisagreement(show: boolean): void;
  exportSvg(): void;
  /** Opens the search box. */
  find(): void;
  /** Opens or closes the filter card. */
  toggleFilters(): void;
  /** The automatic layouts (layout-apply.ts). */
  layoutMenu: LayoutMenuHost;
  /** Saved views and Present (views-menu.ts), redrawn with the toolbar. */
  viewsMenu: { readonly element: HTMLElement; refresh(): void };
  /** Opens the map's Vocabulary dialog (its fields, kinds and style rules). */
  vocabulary(): void;
}

export class Toolbar {
  readonly element = htmlEl("div", {
    class: "cv-toolbar",
    role: "toolbar",
    "aria-label": "Map tools",
  });
  private readonly mapBox = htmlEl("div", { class: "cv-mapbox" });
  private readonly toolButtons = new Map<ToolName, HTMLButtonElement>();
  private readonly disagreement: HTMLButtonElement;
  private readonly filters: HTMLButtonElement;
  private readonly findButton: HTMLButtonElement;
  private readonly layoutMenu: LayoutMenu;
  private readonly vocabularyButton = htmlEl(
    "button",
    {
      type: "button",
      class: "cv-tool",
      "data-testid": "map-vocabulary",
      title: "This map's fields, kinds and style rules",
      "aria-label": "Vocabulary",
    },
    [iconSvg(VOCABULARY_ICON), htmlEl("span", {}, ["Vocabulary"])],
  );
  private renaming = false;

  constructor(private readonly host: ToolbarHost) {
    const tools = htmlEl("div", { class: "cv-tools" });
    for (const tool of TOOLS) {
      const button = htmlEl(
        "button",
        {
          type: "button",
          class: "cv-tool",
          "data-testid": `tool-${tool.name}`,
          title: tool.title,
          // The word is hidden where the toolbar is narrow (responsive.css).
          "aria-label": tool.label,
          "aria-pressed": "false",
        },
        [iconSvg(TOOL_ICONS[tool.name]), htmlEl("span", {}, [tool.label])],
      );
      button.addEventListener("click", () => host.setTool(tool.name));
      this.toolButtons.set(tool.name, button);
      tools.append(button);
    }
    this.disagreement = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-tool cv-toggle",
        "data-testid": "toggle-disagreement",
        "aria-pressed": "true",
        title: "Mark where the group's ratings differ",
      },
      [iconSvg(TOOL_ICONS.halo), htmlEl("span", {}, ["Disagreement"])],
    );
    this.disagreement.addEventListener("click", () => {
      const show = this.disagreement.getAttribute("aria-pressed") !== "true";
      this.disagreement.setAttribute("aria-pressed", String(show));
      host.setShowDisagreement(show);
    });
    const exportButton = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-icon-btn",
        "data-testid": "map-export",
        title: "Download this map as an SVG picture",
        "aria-label": "Export SVG",
      },
      [iconSvg(TOOL_ICONS.download)],
    );
    exportButton.addEventListener("click", () => host.exportSvg());
    this.findButton = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-tool cv-tool-find",
        "data-testid": "map-find",
        title: "Find on this map (/ or Ctrl+K)",
        "aria-label": "Find",
        "aria-keyshortcuts": "/ Control+K Meta+K",
      },
      [iconSvg(FIND_ICON), htmlEl("span", {}, ["Find"])],
    );
    this.findButton.addEventListener("click", () => host.find());
    this.filters = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-tool cv-toggle cv-tool-filter",
        "data-testid": "map-filter",
        "aria-label": "Filter",
        "aria-pressed": "false",
        title: "Filter, focus on a neighbourhood, find a path",
      },
      [iconSvg(FILTER_ICON), htmlEl("span", {}, ["Filter"])],
    );
    this.filters.addEventListener("click", () => host.toggleFilters());
    this.layoutMenu = new LayoutMenu(host.layoutMenu);
    this.vocabularyButton.addEventListener("click", () => host.vocabulary());
    this.element.append(
      this.mapBox,
      htmlEl("span", { class: "cv-sep" }),
      tools,
      this.layoutMenu.element,
      this.vocabularyButton,
      htmlEl("span", { class: "cv-spacer" }),
      this.findButton,
      this.filters,
      host.viewsMenu.element,
      this.disagreement,
      exportButton,
    );
    this.refresh();
  }

  /** Redraws the map picker and the enabled state (maps or rights changed). */
  refresh(): void {
    if (this.renaming) return;
    const maps = this.host.maps();
    const current = this.host.currentMap();
    const editable = this.host.editable();
    const parts: HTMLElement[] = [];
    if (maps.length > 0) {
      const picker = htmlEl("select", {
        class: "cv-map-picker",
        "data-testid": "map-picker",
        "aria-label": "Map",
      });
      for (const m of maps)
        picker.append(htmlEl("option", { value: m.id }, [m.name || "Untitled map"]));
      if (current) picker.value = current;
      picker.addEventListener("change", () => this.host.showMap(picker.value));
      parts.push(picker);
      if (editable && current) {
        const rename = htmlEl(
          "button",
          {
            type: "button",
            class: "cv-icon-btn",
            "data-testid": "map-rename",
            title: "Rename this map",
            "aria-label": "Rename map",
          },
          [iconSvg(TOOL_ICONS.pencil, 16)],
        );
        rename.addEventListener("click", () => this.startRename());
        parts.push(rename);
      }
      if (editable) {
        // Only present while there is a map: the empty state carries its own.
        const create = htmlEl(
          "button",
          { type: "button", class: "cv-btn", "data-testid": "map-new", title: "Start a new map" },
          [iconSvg(TOOL_ICONS.plus, 16), "New map"],
        );
        create.addEventListener("click", () => this.host.createMap());
        parts.push(create);
      }
    }
    this.mapBox.replaceChildren(...parts);
    for (const tool of TOOLS) {
      const button = this.toolButtons.get(tool.name)!;
      button.disabled = (tool.editing && !editable) || !current;
    }
    this.findButton.disabled = !current;
    this.filters.disabled = !current;
    this.vocabularyButton.disabled = !current;
    this.layoutMenu.refresh();
    this.host.viewsMenu.refresh();
  }

  /** Shows whether the filter card is open, or a filter is on. */
  setFiltersShown(open: boolean, active: boolean): void {
    this.filters.setAttribute("aria-pressed", String(open));
    this.filters.classList.toggle("cv-active", active);
  }

  setTool(tool: ToolName): void {
    for (const [name, button] of this.toolButtons)
      button.setAttribute("aria-pressed", String(name === tool));
  }

  /** Turns the map name into a text field; Enter or leaving it renames. */
  startRename(): void {
    const current = this.host.currentMap();
    const map = this.host.maps().find((m) => m.id === current);
    if (!map || !this.host.editable()) return;
    this.renaming = true;
    const input = htmlEl("input", {
      type: "text",
      class: "cv-map-name",
      "data-testid": "map-name",
      "aria-label": "Map name",
      maxlength: 200,
    });
    input.value = map.name;
    let done = false;
    const finish = (save: boolean) => {
      if (done) return;
      done = true;
      this.renaming = false;
      const name = input.value.trim();
      if (save && name && name !== map.name) this.host.renameMap(name);
      this.refresh();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") finish(true);
      if (e.key === "Escape") finish(false);
      e.stopPropagation();
    });
    input.addEventListener("blur", () => finish(true));
    this.mapBox.replaceChildren(input);
    input.focus();
    input.select();
  }
}
