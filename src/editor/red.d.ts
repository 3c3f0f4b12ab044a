// The parts of Node-RED's editor (the browser's RED global) that the dialogs use, and
// jQuery UI's widgets that the editor ships (spinner, autocomplete). Written here, not taken
// from @types/node-red__editor-client: its 1.3.11 describes Node-RED 1.3's editor, which
// differs where we call it on Node-RED 4 and 5 (no RED.editor.getEditStack, no _ on a type,
// validators.typedInput taking a type name, not { type }; popover.tooltip taking a text only,
// not a function; eachConfig and node typed as `object`), and its typedInput clashes with
// the one declared here: tried, it fails typecheck at each of those calls.

/** A node in the editor: its saved settings plus what the editor keeps on it. */
interface EditorNode {
  id: string;
  type: string;
  name?: string;
  _def?: unknown;
  [prop: string]: unknown;
}

type Validate = (this: EditorNode, v: unknown, opt?: unknown) => boolean | string;

interface EditorDefault {
  value?: unknown;
  type?: string;
  required?: boolean;
  validate?: Validate;
}

interface EditorTypeDef {
  category: string;
  color: string;
  defaults: Record<string, EditorDefault>;
  credentials?: Record<string, { type: 'text' | 'password' }>;
  inputs?: number;
  outputs?: number;
  icon?: string;
  paletteLabel?: (this: { _: (key: string) => string }) => string;
  label?: (this: EditorNode & { _: (key: string) => string }) => string;
  labelStyle?: (this: EditorNode) => string;
  inputLabels?: (this: EditorNode & { _: (key: string) => string }) => string;
  outputLabels?: (this: EditorNode & { _: (key: string) => string }, index: number) => string;
  oneditprepare?: (this: EditorNode) => void;
  oneditsave?: (this: EditorNode) => void;
  onadd?: (this: EditorNode) => void;
  _?: (key: string, opts?: Record<string, unknown>) => string;
}

interface EditorRED {
  nodes: {
    registerType(type: string, def: EditorTypeDef): void;
    getType(type: string): (EditorTypeDef & { _: (key: string, opts?: Record<string, unknown>) => string }) | undefined;
    node(id: string): EditorNode | undefined;
    eachConfig(fn: (node: EditorNode) => void): void;
  };
  utils: { validatePropertyExpression(value: string): boolean; getNodeLabel(node: EditorNode, fallback?: string): string };
  editor: { getEditStack(): EditorNode[] };
  validators: { typedInput(opts: { type: string }): Validate };
  /** content: a text, or a function that gives it as the tooltip opens (null: none opens). */
  popover: { tooltip(target: JQuery, content: string | (() => string | null)): unknown };
  events: { on(event: string, handler: (node: EditorNode) => void): void };
}

declare const RED: EditorRED;

interface JQuery {
  spinner(options: { min?: number; max?: number }): JQuery;
  // jQuery UI's autocomplete: options, methods and its widget instance.
  autocomplete(options: Record<string, unknown>): JQuery;
  autocomplete(method: 'instance'): JQueryUiAutocomplete;
  autocomplete(method: 'widget'): JQuery;
  autocomplete(method: 'search', term: string): JQuery;
  menu(method: 'option', name: string, value: string): JQuery;
  // Node-RED's typed input widget.
  typedInput(options: { default: string; typeField: JQuery; types: readonly string[] }): JQuery;
  typedInput(method: 'type' | 'value'): string;
  typedInput(method: 'type' | 'value', value: string): JQuery;
}

interface SuggestionItem {
  label: string;
  value: string;
  group: string;
}

interface JQueryUiAutocomplete {
  _renderMenu: (ul: JQuery, items: SuggestionItem[]) => void;
  _renderItemData(ul: JQuery, item: SuggestionItem): JQuery;
  widget(): JQuery;
}

interface Window {
  AIMS360Editor: unknown;
}
