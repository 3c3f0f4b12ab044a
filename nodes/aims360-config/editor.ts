import { defineNode, Translate } from '../../src/editor/define.js';
import { fillSelect } from '../../src/editor/fields.js';
import { REGIONS, spec } from './spec.js';

const trimmed = (v: unknown) => String(v ?? '').trim().replace(/\/+$/, '');

/** The Test connection button: posts the dialog's values to the runtime and shows its answer. */
function testButton(node: EditorNode, t: Translate): void {
  const button = $('#node-config-aims360-test');
  const result = $('#node-config-aims360-test-result');
  RED.popover.tooltip(button, t('test.tooltip'));

  // An icon and a text on a line under the button (nothing takes room before the first test).
  function state(icon: JQuery, text: string) {
    result.empty().append($('<div>').css('margin-top', '6px').append(icon, ' ', $('<span>').text(text)));
  }
  function show(ok: boolean, text: string, title?: string) {
    state($('<i>').addClass(ok ? 'fa fa-check' : 'fa fa-times').css('color', ok ? '#3a9c3a' : '#c2342b'), text);
    if (title) result.find('span').attr('title', title);
  }
  // What an error code means, from the catalogue every node shares (src/locales/<lang>/errors.json).
  function meaning(code: string): string | undefined {
    const key = `aims360.errors.codes.${code}`;
    const text = RED.nodes.getType(spec.type)?._(key);
    return text && !text.endsWith(key) ? text : undefined;
  }

  button.on('click', () => {
    const value = (prop: string) => $(`#node-config-input-${prop}`).val();
    const body = {
      id: node.id,
      baseUrl: String(value('baseUrl') || '').trim(),
      authType: value('authType'),
      tokenUrl: String(value('tokenUrl') || '').trim(),
      timeout: value('timeout'),
      trustedHosts: value('trustedHosts'),
      credentials: Object.fromEntries(Object.keys(spec.credentials ?? {}).map((c) => [c, value(c)])),
    };
    button.prop('disabled', true);
    state($('<i>').addClass('fa fa-spinner fa-spin'), t('test.testing'));
    $.ajax({ url: 'aims360-config/test', type: 'POST', contentType: 'application/json', data: JSON.stringify(body), dataType: 'json' })
      .done((res: { host?: string } | null) => show(true, t('test.ok', { host: res?.host })))
      .fail((xhr: JQuery.jqXHR) => {
        const status = xhr?.status;
        // The runtime's refusal: an HTTP status with {code, message}, as the sidebar's routes answer.
        const refusal = xhr?.responseJSON as { code?: unknown; message?: unknown } | undefined;
        if (typeof refusal?.code === 'string') {
          show(false, `${refusal.code}: ${String(refusal.message ?? '') || t('test.failed')}`, meaning(refusal.code));
        }
        else if (status === 401 || status === 403) show(false, t('test.denied', { status }));
        else if (status) show(false, t('test.httpError', { status }));
        else show(false, t('test.unreachable'));
      })
      .always(() => button.prop('disabled', false));
  });
}

defineNode(spec, {
  label() {
    let host = String(this.baseUrl || '').trim();
    try {
      host = new URL(host).host;
    } catch {
      // Not a URL yet: show what was typed.
    }
    return host || undefined;
  },
  oneditprepare(t) {
    const region = $('#node-config-aims360-region');
    const baseUrl = $('#node-config-input-baseUrl');
    const authType = $('#node-config-input-authType');
    // The region choices come from the spec: one list for the dialog and the default.
    const saved = trimmed(this.baseUrl);
    const choices = [...REGIONS.map((r) => ({ value: r.url, text: t(`region.${r.id}`) })), { value: 'custom', text: t('region.custom') }];
    fillSelect(region, choices, REGIONS.some((r) => r.url === saved) ? saved : 'custom');
    region.on('change', () => {
      const value = region.val() as string;
      $('.aims360-config-baseUrl-row').toggle(value === 'custom');
      if (value !== 'custom' && trimmed(baseUrl.val()) !== value) baseUrl.val(value).trigger('change');
    });
    region.trigger('change');

    // The placeholder is the token URL used when the field is empty: it follows the base URL
    // (set here, not by data-i18n, which would fill it in later without the base URL).
    const showDefaultTokenUrl = () => $('#node-config-input-tokenUrl').attr('placeholder', t('placeholder.tokenUrl', { baseUrl: trimmed(baseUrl.val()) }));
    baseUrl.on('change input', showDefaultTokenUrl);
    showDefaultTokenUrl();

    authType.on('change', () => {
      const oauth2 = authType.val() === 'oauth2';
      $('.aims360-config-token-row').toggle(!oauth2);
      $('.aims360-config-oauth2-row').toggle(oauth2);
    });
    authType.trigger('change');
    testButton(this, t);
  },
});
