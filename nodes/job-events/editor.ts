import { defineNode } from '../../src/editor/define.js';
import { envReference } from '../../src/lib/rules.js';
import { JOB_EVENTS, jobEventList } from '../../src/lib/settings.js';
import { spec } from './spec.js';

/** The events' checkboxes write the saved list (the hidden Events field), in the spec's order. */
function eventBoxes(): void {
  const field = $('#node-input-events');
  const box = (event: string) => $(`#aims360-job-events-${event}`);
  const chosen = jobEventList(String(field.val() || spec.settings.events.value));
  for (const event of JOB_EVENTS) box(event).prop('checked', chosen.includes(event));
  // None ticked is written as a value the rule refuses: empty would mean the default.
  const write = () => {
    field.val(JOB_EVENTS.filter((event) => box(event).prop('checked')).join(',') || 'none').trigger('change');
  };
  for (const event of JOB_EVENTS) box(event).on('change', write);
  // A variable (${EVENTS}) is kept until a box is ticked: its value is known where the flow runs.
  if (envReference(field.val()) === undefined) write();
}

defineNode(spec, {
  oneditprepare() {
    eventBoxes();
  },
});
