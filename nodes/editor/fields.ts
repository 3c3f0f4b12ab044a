/** Dialog behaviour that several nodes share: the output fields, grouped suggestions. */

/**
 * The output fields in an open dialog: the rows of the chosen format shown (classes
 * <prefix>-file and <prefix>-stream).
 */
export function outputFields(prefix: string): void {
  const select = $('#node-input-format');
  select.on('change', () => {
    const value = select.val();
    $(`.${prefix}-file`).toggle(value === 'file');
    $(`.${prefix}-stream`).toggle(value === 'stream-rows');
  });
  select.trigger('change');
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
