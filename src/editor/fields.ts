/** Dialog behaviour that several nodes share: the output fields, lists, the Job ID field, grouped suggestions. */
import { JOB_ID, ROW_FORMATS } from '../lib/settings.js';

/** A property name as people write one (payload, job_1): an AIMS360 id never is one. */
const PROPERTY_NAME = /^[A-Za-z_$][\w$]*$/;
const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The type a Job ID typed input takes for a value typed or pasted into it. In msg (the default
 * type), a value that is a job id (letters, digits, - and _ with a - or a leading digit, as
 * AIMS360's ids and the demo's have, which property names do not), a URL, or no valid property
 * path is the id itself: str, where the rule checks it. Any other value keeps its type
 * (payload.jobId stays msg; a property named with a - is written msg["a-b"]).
 */
export function jobIdTypeFor(type: string, value: string): string {
  const v = value.trim();
  if (type !== 'msg' || v === '') return type;
  const id = JOB_ID.test(v) && !PROPERTY_NAME.test(v);
  return id || URL_START.test(v) || RED.utils.validatePropertyExpression(v) !== true ? 'str' : type;
}

/**
 * The Job ID typed input #node-input-<prop> of an open dialog takes what is pasted, or typed
 * and left, with the type jobIdTypeFor gives (spaces around a pasted id dropped). Not while
 * typing: "payload." on the way to "payload.jobId" is no path yet.
 */
export function jobIdField(prop: string): void {
  const field = $(`#node-input-${prop}`);
  const input = field.next('.red-ui-typedInput-container').find('input.red-ui-typedInput-input');
  const settle = () => {
    const type = field.typedInput('type');
    const value = field.typedInput('value');
    const wanted = jobIdTypeFor(type, value);
    if (wanted === type) return;
    field.typedInput('type', wanted);
    field.typedInput('value', value.trim());
  };
  input.on('change', settle);
  input.on('input', (event) => {
    const kind = (event.originalEvent as InputEvent | undefined)?.inputType ?? '';
    if (kind === 'insertFromPaste' || kind === 'insertFromDrop') settle();
  });
}

/**
 * The output fields in an open dialog (the shared output block): the rows of the chosen
 * format shown (classes aims360-output-file, -stream, -changes), Key columns with changes only.
 */
export function outputFields(): void {
  const select = $('#node-input-format');
  const changes = $('#node-input-changes');
  const toggle = () => {
    const value = select.val();
    const changed = changes.val() === 'changed';
    $('.aims360-output-file').toggle(value === 'file');
    $('.aims360-output-stream').toggle(value === 'stream-rows');
    // Shown with another format too while set, so that its red outline can be seen and undone.
    $('.aims360-output-changes').toggle((ROW_FORMATS as readonly unknown[]).includes(value) || changed);
    $('.aims360-output-keys').toggle(changed);
  };
  select.on('change', toggle);
  changes.on('change', toggle);
  toggle();
}

export interface Choice {
  value: string;
  text: string;
}

/**
 * The options of a select, built from a list (no dialog writes its choices as markup), with
 * `chosen` selected as Node-RED selects a saved value (none for an empty one): Node-RED sets
 * the saved value before oneditprepare, when the select had no options yet to take it.
 */
export function fillSelect(select: JQuery, choices: readonly Choice[], chosen: unknown): void {
  select.empty();
  for (const c of choices) $('<option>').val(c.value).text(c.text).appendTo(select);
  select.val(chosen === undefined || chosen === null ? '' : String(chosen));
}

export interface SuggestionGroup {
  label: string;
  values: string[];
}

/**
 * Searchable, grouped suggestions under the text box of the typed input #node-input-<prop>,
 * with jQuery UI's autocomplete (shipped by the editor of Node-RED 4 and 5). groups() gives
 * the groups at each search. Typing filters them: any part of a value or of its group's
 * label, case-insensitive. Headers are not choices (mouse and arrow keys skip them); a click
 * or the down arrow opens the list, Enter or a click picks. Only for the str type, and only a
 * suggestion: any text stays allowed; a typed text that matches nothing is offered as it is
 * under the custom label, if given.
 */
export function groupedSuggestions(prop: string, groups: () => SuggestionGroup[], custom?: string): void {
  const field = $(`#node-input-${prop}`);
  const input = field.next('.red-ui-typedInput-container').find('input.red-ui-typedInput-input');
  input.autocomplete({
    minLength: 0,
    delay: 0,
    source(request: { term: string }, response: (items: SuggestionItem[]) => void) {
      const term = request.term.trim().toLowerCase();
      const items: SuggestionItem[] = [];
      if (field.typedInput('type') === 'str') {
        for (const group of groups()) {
          const all = group.label.toLowerCase().includes(term);
          for (const value of group.values) {
            if (all || value.toLowerCase().includes(term)) items.push({ label: value, value, group: group.label });
          }
        }
        if (custom && term && !items.length) items.push({ label: request.term.trim(), value: request.term.trim(), group: custom });
      }
      response(items);
    },
    // Arrowing through the list keeps the typed text; Enter or a click sets the value.
    focus: () => false,
    select(_event: unknown, ui: { item: SuggestionItem }) {
      field.typedInput('value', ui.item.value);
      return false;
    },
    // Above the edit tray.
    open() {
      input.autocomplete('widget').css('z-index', 1000);
    },
  });
  const widget = input.autocomplete('instance');
  widget._renderMenu = (ul, items) => {
    let group: string | undefined;
    ul.addClass('aims360-suggestions');
    for (const item of items) {
      if (item.group !== group) {
        group = item.group;
        $('<li class="aims360-suggestions-group">').text(group)
          .css({ padding: '4px 6px 2px', fontWeight: 'bold', cursor: 'default' }).appendTo(ul);
      }
      widget._renderItemData(ul, item).children().css('padding-left', '16px');
    }
  };
  widget.widget().menu('option', 'items', '> :not(.aims360-suggestions-group)');
  // A click on the field lists every suggestion, as a dropdown; typing then filters.
  input.on('click', () => {
    if (!widget.widget().is(':visible')) input.autocomplete('search', '');
  });
}

/**
 * The collapsed section #<id> of a dialog, opened and closed by #<id>-toggle. It opens by
 * itself when the dialog opens with a field in it refused, so no red outline is hidden.
 */
export function advancedSection(id: string): void {
  const section = $(`#${id}`);
  const toggle = $(`#${id}-toggle`);
  const show = (open: boolean) => {
    section.toggle(open);
    toggle.attr('aria-expanded', String(open)).find('i').toggleClass('fa-caret-right', !open).toggleClass('fa-caret-down', open);
  };
  toggle.on('click', (event) => {
    event.preventDefault();
    show(!section.is(':visible'));
  });
  show(false);
  // The editor marks refused fields once the dialog is prepared (after oneditprepare).
  setTimeout(() => {
    if (section.find('.input-error').length) show(true);
  }, 0);
}
