import { defineNode } from '../../src/editor/define.js';
import { advancedSection, groupedSuggestions, outputFields, SuggestionGroup } from '../../src/editor/fields.js';
import { spec } from './spec.js';

const CATALOGUE_URL = 'resources/@flowjobs/node-red-aims360/aims360-views.json';

interface CatalogueModule {
  module: string;
  views: { source: string; viewName: string }[];
}

// The System Views catalogue, loaded once per editor session.
let catalogue: Promise<CatalogueModule[]> | undefined;
function loadCatalogue(): Promise<CatalogueModule[]> {
  catalogue ??= Promise.resolve($.getJSON(CATALOGUE_URL)).then((json: { modules: CatalogueModule[] }) => json.modules, () => []);
  return catalogue;
}

defineNode(spec, {
  label() {
    return this.sourceType === 'str' && this.viewName && this.viewNameType === 'str' ? String(this.viewName) : undefined;
  },
  outputLabel(index) {
    if (index === 1) return 'port.progress';
    return `port.${(this.mode || 'data') === 'data' ? 'data' : 'started'}`;
  },
  oneditprepare(t) {
    outputFields();
    const mode = $('#node-input-mode');
    mode.on('change', () => $('.aims360-export-data').toggle(mode.val() === 'data'));
    // A node saved before mode existed (or imported without it) gets the data.
    if (!mode.val()) mode.val('data');
    mode.trigger('change');
    advancedSection('aims360-export-advanced');
    // A JSON file is no rows: choosing it (the user, not the dialog filling in) while rows are
    // handed on hands on the parsed JSON.
    const fileType = $('#node-input-outputFormat');
    fileType.on('input', () => {
      const handOn = $('#node-input-format');
      if (fileType.val() === 'JSON' && ['rows', 'stream-rows'].includes(String(handOn.val()))) handOn.val('auto').trigger('change');
    });

    // The catalogue as grouped suggestions: Sources by module, and the views of the
    // Source typed (all views, by Source, while it is empty or not text).
    let modules: CatalogueModule[] = [];
    void loadCatalogue().then((loaded) => {
      modules = loaded;
    });
    const custom = t('group.custom');
    groupedSuggestions('source', () => modules.map((m) => ({
      label: m.module,
      values: m.views.map((v) => v.source).filter((s, i, all) => all.indexOf(s) === i),
    })), custom);
    groupedSuggestions('viewName', () => {
      const field = $('#node-input-source');
      const source = field.typedInput('type') === 'str' ? String(field.typedInput('value')).trim().toLowerCase() : '';
      const groups: SuggestionGroup[] = [];
      for (const m of modules) {
        for (const v of m.views) {
          if (source && v.source.toLowerCase() !== source) continue;
          let group = groups.find((g) => g.label === v.source);
          if (!group) {
            group = { label: v.source, values: [] };
            groups.push(group);
          }
          group.values.push(v.viewName);
        }
      }
      return groups;
    }, custom);
  },
  oneditsave() {
    this.outputs = $('#node-input-mode').val() === 'data' && $('#node-input-progress').prop('checked') ? 2 : 1;
  },
});
