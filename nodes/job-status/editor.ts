import { defineNode, Translate } from '../../src/editor/define.js';
import { fillSelect } from '../../src/editor/fields.js';
import { breaks } from '../../src/lib/rules.js';
import { JOB_QUERY_PRESETS, spec } from './spec.js';

/**
 * The preset picker of query mode: picking one (or changing its hours) fills Filter and
 * Order by, which stay editable. The picker itself is not saved.
 */
function presets(t: Translate): void {
  const select = $('#aims360-job-status-preset');
  const hours = $('#aims360-job-status-hours');
  fillSelect(select, [{ value: '', text: t('preset.none') }, ...JOB_QUERY_PRESETS.map((p) => ({ value: p.id, text: t(`preset.${p.id}`) }))], '');
  for (const p of JOB_QUERY_PRESETS) if (p.hours) hours.val(p.hours.value).spinner({ min: p.hours.min, max: p.hours.max });
  function apply() {
    const preset = JOB_QUERY_PRESETS.find((p) => p.id === select.val());
    $('.aims360-job-status-hours').toggle(!!preset?.hours);
    if (!preset) return;
    // A number of hours out of range leaves the fields as they are.
    const n = hours.val();
    const range = preset.hours;
    const ok = !range || breaks({ kind: 'number', min: range.min, max: range.max, integer: true }, n) === undefined;
    hours.toggleClass('input-error', !ok);
    if (!ok) return;
    const fields = preset.fields(range ? Number(n) : undefined);
    $('#node-input-filter').typedInput('type', fields.filterType).typedInput('value', fields.filter);
    $('#node-input-orderby').typedInput('type', 'str').typedInput('value', fields.orderby);
  }
  select.on('change', apply);
  hours.on('input change spinstop', apply);
  apply();
}

defineNode(spec, {
  inputLabel() {
    return this.mode === 'query' ? 'port.trigger' : 'port.input';
  },
  outputLabel() {
    return this.mode === 'query' ? 'port.jobs' : 'port.job';
  },
  oneditprepare(t) {
    presets(t);
    const mode = $('#node-input-mode');
    mode.on('change', () => {
      const isQuery = mode.val() === 'query';
      $('.aims360-job-status-single').toggle(!isQuery);
      $('.aims360-job-status-query').toggle(isQuery);
    });
    mode.trigger('change');
  },
});
