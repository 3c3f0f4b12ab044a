/**
 * Registers a node type in the editor from its spec: defaults, validators, typed inputs,
 * labels and the settings version, so that the dialog knows what the runtime knows from
 * the same spec. A node's editor.ts adds only what its dialog does beyond that.
 */
import { applies, isEmpty, migrate, NodeSpec, problemOf, Setting, typeOf, versionOf } from '../lib/rules.js';
import { JOB_ID } from '../lib/settings.js';
import { fillSelect, jobIdField } from './fields.js';

export type Translate = (key: string, opts?: Record<string, unknown>) => string;

/** What a node's dialog adds to its spec. */
export interface Hooks {
  oneditprepare?: (this: EditorNode, t: Translate) => void;
  oneditsave?: (this: EditorNode) => void;
  label?: (this: EditorNode, t: Translate) => string | undefined;
  inputLabel?: (this: EditorNode) => string;
  outputLabel?: (this: EditorNode, index: number) => string | undefined;
}

/**
 * The sections of the shared catalogue (src/locales/<lang>/editor.json, merged by the build
 * into every node's) that hold the texts of settings several nodes have.
 */
const SHARED_SECTIONS = ['aims360.common', 'aims360.output', 'aims360.wait'];

/**
 * t(key, opts) for a node type: its message catalogue's text for "<prefix>.<key>", else the
 * shared one's ("aims360.output.<key>"…); the node's own key when neither has it.
 */
export function translator(spec: NodeSpec): Translate {
  return (key, opts) => {
    const def = RED.nodes.getType(spec.type);
    if (!def) return key;
    // A key of a shared catalogue (aims360.…) is named whole.
    const candidates = key.startsWith('aims360.') ? [key] : [`${spec.prefix}.${key}`, ...SHARED_SECTIONS.map((section) => `${section}.${key}`)];
    for (const full of candidates) {
      // A node type's _ answers a key it does not find with the key itself.
      const text = def._(full, opts);
      if (text !== full) return text;
    }
    return `${spec.prefix}.${key}`;
  };
}

function isConfig(type: string): boolean {
  return RED.nodes.getType(type)?.category === 'config';
}

/** The dialog's value while this node's dialog is open, else the saved one. */
export function current(node: EditorNode, prop: string): unknown {
  const input = $((isConfig(node.type) ? '#node-config-input-' : '#node-input-') + prop);
  const editing = RED.editor.getEditStack().some((n) => n.id === node.id);
  return editing && input.length ? input.val() : node[prop];
}

/**
 * The validator of one setting: the spec's rule (shared with the runtime) while the setting
 * counts, and for a typed input of another type than its literal one, that type's own check.
 */
export function validator(spec: NodeSpec, name: string, t: Translate): Validate {
  const s = spec.settings[name] as Setting;
  // (v, opt): the editor takes a returned text as the reason only from a two-argument validator.
  return function (v, opt) {
    const get = (prop: string) => (prop === name ? v : current(this, prop));
    if (s.typed && applies(spec, name, get)) {
      const type = typeOf(s, name, get) as string;
      if (type !== s.typed.literal) return isEmpty(v) || RED.validators.typedInput({ type }).call(this, v, opt);
    }
    const problem = problemOf(spec, name, get);
    return problem ? t(problem.key) : true;
  };
}

/** The editor's defaults of a spec: each setting (and its type beside a typed one) and the version. */
export function editorDefaults(spec: NodeSpec, t: Translate, names: readonly string[] = Object.keys(spec.settings)): Record<string, EditorDefault> {
  const defaults: Record<string, EditorDefault> = {};
  for (const name of names) {
    const s = spec.settings[name] as Setting;
    if (s.config) {
      defaults[name] = { type: s.config, required: true };
      continue;
    }
    defaults[name] = s.rule || s.required || s.typed ? { value: s.value, validate: validator(spec, name, t) } : { value: s.value };
    if (s.typed) defaults[`${name}Type`] = { value: s.typed.default };
  }
  return defaults;
}

/** Makes #node-input-<prop> the typed input of its setting, its type in #node-input-<prop>Type. */
export function typedInput(spec: NodeSpec, prop: string): void {
  const typed = spec.settings[prop]?.typed;
  if (!typed) throw new Error(`${spec.type}.${prop} is not a typed input`);
  $(`#node-input-${prop}`).typedInput({ default: typed.default, typeField: $(`#node-input-${prop}Type`), types: typed.types });
}

/**
 * The selects of the open dialog whose setting is one of a list: the spec's values, each with
 * the catalogue's text "<setting>.<value>", the node's value selected.
 */
function specLists(node: EditorNode, spec: NodeSpec, t: Translate): void {
  const prefix = spec.category === 'config' ? '#node-config-input-' : '#node-input-';
  for (const [name, s] of Object.entries(spec.settings)) {
    const select = $(prefix + name);
    if (s.rule?.kind !== 'oneOf' || !select.is('select')) continue;
    fillSelect(select, s.rule.values.map((value) => ({ value, text: t(`${name}.${value}`) })), node[name]);
  }
}

/** Spinners on the number settings of the dialog that have limits. */
function spinners(spec: NodeSpec): void {
  for (const [name, s] of Object.entries(spec.settings)) {
    if (s.rule?.kind !== 'number' || s.typed) continue;
    const field = $(`#node-input-${name}`);
    if (field.length && (s.rule.min !== undefined || s.rule.max !== undefined)) field.spinner({ min: s.rule.min, max: s.rule.max });
  }
}

/**
 * The id of the config node of this type that a node on workspace z may use, when there is
 * exactly one (global, or on that workspace: the ones Node-RED's Server list offers); with
 * none or several the user picks.
 */
function onlyConfig(type: string, z: unknown): string | undefined {
  const ids: string[] = [];
  RED.nodes.eachConfig((config) => {
    if (config.type === type && (!config.z || config.z === z)) ids.push(config.id);
  });
  return ids.length === 1 ? ids[0] : undefined;
}

/** The config settings of a spec (server): [name, config type]. */
function configSettings(spec: NodeSpec): [string, string][] {
  return Object.entries(spec.settings).flatMap(([name, s]) => (s.config ? [[name, s.config] as [string, string]] : []));
}

/**
 * An open dialog whose node has an empty Server field shows the only config node (a node
 * imported without one; a dropped node has it already, see onadd), if the list offers it.
 */
function preselectConfig(node: EditorNode, spec: NodeSpec): void {
  for (const [name, type] of configSettings(spec)) {
    const select = $(`#node-input-${name}`);
    const only = onlyConfig(type, node.z);
    if (!isEmpty(node[name]) || !select.is('select') || !only) continue;
    if (select.find('option').filter((_, option) => (option as HTMLOptionElement).value === only).length) select.val(only);
  }
}

/**
 * The reason a typed input is refused, as a tooltip on its box: Node-RED puts the validator's
 * text on the hidden input behind the box, which no one can hover. The box of the typed
 * input's own check (msg, json) holds its tooltip there too; one of the two opens.
 */
function reasonTooltips(node: EditorNode, spec: NodeSpec, t: Translate): void {
  for (const [name, s] of Object.entries(spec.settings)) {
    const field = $(`#node-input-${name}`);
    if (!s.typed || !field.length) continue;
    const box = field.next('.red-ui-typedInput-container');
    const validate = validator(spec, name, t);
    RED.popover.tooltip(box.find('.red-ui-typedInput-input-wrap'), () => {
      if (!box.hasClass('input-error')) return null;
      const reason = validate.call(node, field.val(), {});
      return typeof reason === 'string' ? reason : null;
    });
  }
}

/**
 * Puts the "tooltip.<prop>" text of the node's messages, where it has one, on the label
 * of each field of its open dialog: on the label, as the editor keeps the input's own
 * tooltip for validation messages.
 */
function labelTooltips(node: EditorNode, t: Translate): void {
  const form = $(isConfig(node.type) ? '#node-config-dialog-edit-form' : '#dialog-form');
  const seen = new Set<string>();
  form.find('label[for]').each(function () {
    const prop = (this.getAttribute('for') as string).split('-').pop() as string;
    const key = `tooltip.${prop}`;
    const text = t(key);
    if (seen.has(prop) || text.endsWith(key)) return;
    seen.add(prop);
    RED.popover.tooltip($(this), text);
  });
}

/**
 * The fields whose rule depends on another setting (`when`, `notBelow`, `needs`) are rechecked when
 * that one changes, so their outlines follow it.
 */
function recheckDependents(spec: NodeSpec): void {
  const prefix = spec.category === 'config' ? '#node-config-input-' : '#node-input-';
  const by = new Map<string, string[]>();
  for (const [name, s] of Object.entries(spec.settings)) {
    for (const on of [s.when?.setting, s.notBelow?.setting, ...(s.needs ?? []).map((n) => n.setting)]) {
      if (on) by.set(on, [...(by.get(on) ?? []), name]);
    }
  }
  for (const [on, names] of by) {
    $(prefix + on).on('change keyup', () => names.forEach((n) => $(prefix + n).trigger('change')));
  }
}

const defined = new Map<string, { spec: NodeSpec; hooks: Hooks }>();

/** Keeps a node type's spec and dialog hooks until its .html registers it (registerType). */
export function defineNode(spec: NodeSpec, hooks: Hooks = {}): void {
  defined.set(spec.type, { spec, hooks });
}

/**
 * The literals scripts/build.mjs writes into each .html's registerType call, for the flow
 * library's scorecard (node-red-dev's checknodes reads category, color, icon, inputs and
 * outputs there; defaults and credentials only when written inline, and they are not: they
 * come from the spec as the type registers).
 */
export interface Literals {
  category: string;
  color: string;
  icon?: string;
  inputs?: number;
  outputs?: number;
}

/**
 * Registers a defined type with the editor. The .html, generated at build from the same
 * spec, names the type's literals (the scorecard reads them); a difference means the
 * .html is stale, and is refused.
 */
export function registerType(type: string, literals: Literals): void {
  const found = defined.get(type);
  if (!found) throw new Error(`${type}: no editor definition (is the editor script loaded?)`);
  const { spec, hooks } = found;
  for (const key of ['category', 'color', 'icon', 'inputs', 'outputs'] as const) {
    if (literals[key] !== (key === 'inputs' || key === 'outputs' ? (spec.category === 'config' ? undefined : spec[key]) : spec[key])) {
      throw new Error(`${type}: the .html's ${key} differs from the spec: rebuild`);
    }
  }
  const t = translator(spec);
  const defaults = editorDefaults(spec, t);
  // Text, as the dialog's hidden field saves it.
  defaults.version = { value: String(spec.version) };
  // A node whose outputs follow a setting saves how many it has.
  if (spec.variableOutputs) defaults.outputs = { value: spec.outputs };
  const def: EditorTypeDef = {
    category: spec.category,
    color: spec.color,
    defaults,
    paletteLabel() {
      return t('paletteLabel');
    },
    label() {
      return this.name || hooks.label?.call(this, t) || t('paletteLabel');
    },
    oneditprepare() {
      specLists(this, spec, t);
      if (spec.category !== 'config') preselectConfig(this, spec);
      labelTooltips(this, t);
      for (const [name, s] of Object.entries(spec.settings)) {
        if (!s.typed || !$(`#node-input-${name}`).length) continue;
        typedInput(spec, name);
        if (s.rule?.kind === 'pattern' && s.rule.pattern === JOB_ID) jobIdField(name);
      }
      reasonTooltips(this, spec, t);
      spinners(spec);
      recheckDependents(spec);
      hooks.oneditprepare?.call(this, t);
    },
    oneditsave() {
      hooks.oneditsave?.call(this);
    },
    /**
     * A node dropped from the palette (or added by quick add) gets the only config node
     * before it joins the workspace, so it counts as a user of it. The editor calls this for
     * imported nodes too, once they are in: those keep what they were imported with, as
     * Node-RED's own nodes do.
     */
    onadd() {
      if (RED.nodes.node(this.id)) return;
      for (const [name, type] of configSettings(spec)) {
        const only = onlyConfig(type, this.z);
        if (isEmpty(this[name]) && only) this[name] = only;
      }
    },
  };
  if (spec.credentials) def.credentials = { ...spec.credentials };
  if (spec.category !== 'config') {
    Object.assign(def, {
      inputs: spec.inputs,
      outputs: spec.outputs,
      icon: spec.icon,
      labelStyle(this: EditorNode) {
        return this.name ? 'node_label_italic' : '';
      },
      inputLabels(this: EditorNode) {
        return t(hooks.inputLabel?.call(this) ?? spec.inputLabel ?? 'port.input');
      },
      outputLabels(this: EditorNode, index: number) {
        const key = hooks.outputLabel ? hooks.outputLabel.call(this, index) : spec.outputLabels?.[index];
        return key ? t(key) : '';
      },
    });
  }
  RED.nodes.registerType(type, def);
}

/**
 * A node saved by an older version (or before versions) is migrated as it is added to the
 * editor (flows loaded, imported or pasted), as the runtime migrates it at deploy.
 */
export function migrateOnAdd(): void {
  RED.events.on('nodes:add', (node) => {
    const found = defined.get(node.type);
    if (!found || versionOf(node) >= found.spec.version) return;
    const settings: Record<string, unknown> = {};
    for (const name of Object.keys(found.spec.settings).flatMap((n) => [n, `${n}Type`])) if (name in node) settings[name] = node[name];
    settings.version = node.version;
    Object.assign(node, migrate(found.spec, settings));
  });
}
