// Editor helpers shared by the edit dialogs of the AIMS360 nodes, written once
// instead of once per dialog. Node-RED serves this package's resources/ folder at
// resources/@flowjobs/node-red-aims360/; each node's .html loads this file with
// <script src="resources/@flowjobs/node-red-aims360/aims360-editor.js"> before its
// own script, and the editor runs the rest of that .html only once it has loaded.
(function () {
    'use strict';

    // A job id as AIMS360 issues it.
    var JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;
    var WHOLE = /^\s*\d+\s*$/;
    // Where a Job ID field may take its value from.
    var JOB_ID_TYPES = ['msg', 'flow', 'global', 'env', 'str', 'jsonata'];

    // job status query presets, in the order the dialog offers them: each gives the filter and
    // order by it fills in. A date relative to now is a JSONata filter, so it is worked out each
    // time a message runs, not when the dialog is edited. The tests run these very filters.
    var HOUR_MS = '60 * 60 * 1000';
    var JOB_QUERY_PRESETS = [
        {
            id: 'running',
            fields: function () {
                return { filter: "jobStatus eq 'Queued' or jobStatus eq 'Inprogress'", filterType: 'str', orderby: 'createdDate desc' };
            }
        },
        {
            id: 'failed',
            // createdDate, as the rerun-failed-jobs example: it is set on every job.
            hours: { value: 24, min: 1, max: 8760 },
            fields: function (hours) {
                return {
                    filter: '"jobStatus eq \'Failed\' and createdDate ge " & $fromMillis($millis() - ' + hours + ' * ' + HOUR_MS + ')',
                    filterType: 'jsonata',
                    orderby: 'createdDate desc'
                };
            }
        },
        {
            id: 'completedToday',
            // Since midnight on the Node-RED host's clock ($moment is Node-RED's JSONata extension).
            fields: function () {
                return {
                    filter: '"jobStatus eq \'Completed\' and completedDate ge " & $moment().startOf(\'day\').toISOString()',
                    filterType: 'jsonata',
                    orderby: 'completedDate desc'
                };
            }
        }
    ];

    // t(key, opts) for a node type: its message catalogue's text for "<type>.<key>".
    function translator(type) {
        return function t(key, opts) {
            return RED.nodes.getType(type)._(type + '.' + key, opts);
        };
    }

    // The dialog's value while this node's dialog is open, else the saved one.
    function current(node, prop) {
        var def = RED.nodes.getType(node.type);
        var input = $((def && def.category === 'config' ? '#node-config-input-' : '#node-input-') + prop);
        var editing = RED.editor.getEditStack().some(function (n) { return n.id === node.id; });
        return editing && input.length ? input.val() : node[prop];
    }

    function blank(v) {
        return v === '' || v === undefined || v === null;
    }

    // A whole number from min to max, saved as a number or as the text the dialog saves.
    function wholeNumber(v, min, max) {
        var n = typeof v === 'number' ? v : WHOLE.test(String(v)) ? Number(v) : NaN;
        return Number.isInteger(n) && n >= min && n <= max;
    }

    // A validator for an optional typed input: empty means "not set", else checked by its type.
    function optionalTyped(typeField, defaultType) {
        return function (v, opt) {
            if (blank(v)) {
                return true;
            }
            var type = current(this, typeField) || defaultType;
            return RED.validators.typedInput({ type: type }).call(this, v, opt);
        };
    }

    // Wraps a validator so that it counts only while applies(node) holds: a field that the
    // dialog hides for the current choice (a mode, a format) never marks the node invalid.
    function onlyWhen(applies, validate) {
        return function (v, opt) {
            return !applies(this) || validate.call(this, v, opt);
        };
    }

    // A new node with an empty Server field gets the config node when there is exactly one
    // to choose from (the options Node-RED offers, so scope and subflow rules hold); with
    // none or several the user picks. Call from oneditprepare.
    function preselectServer(node) {
        var select = $('#node-input-server');
        if (!blank(node.server) || !select.is('select')) {
            return;
        }
        var choices = select.find('option').filter(function () {
            return this.value !== '_ADD_' && !$(this).data('env');
        });
        if (choices.length === 1) {
            select.val(choices.val());
        }
    }

    // The validator of a Job ID field (jobId, its type in jobIdType): empty means "from the
    // message", a literal id must look like one, anything else is checked by its type.
    // t gives the node's own "errors.jobId" text.
    function jobIdValidator(t) {
        var typed = optionalTyped('jobIdType', 'msg');
        return function (v, opt) {
            if (!blank(v) && (current(this, 'jobIdType') || 'msg') === 'str') {
                return JOB_ID.test(v) || t('errors.jobId');
            }
            return typed.call(this, v, opt);
        };
    }

    // Makes #node-input-<prop> a typed input that keeps its type in #node-input-<prop>Type.
    function typedInput(prop, defaultType, types) {
        $('#node-input-' + prop).typedInput({
            default: defaultType,
            typeField: $('#node-input-' + prop + 'Type'),
            types: types
        });
    }

    // The Job ID field's typed input.
    function jobIdInput() {
        typedInput('jobId', 'msg', JOB_ID_TYPES);
    }

    // Puts the "tooltip.<prop>" text of the node's messages, where it has one, on the label
    // of each field of its open dialog: on the label, as the editor keeps the input's own
    // tooltip for validation messages.
    function labelTooltips(node, t) {
        var def = RED.nodes.getType(node.type);
        var form = $(def && def.category === 'config' ? '#node-config-dialog-edit-form' : '#dialog-form');
        var seen = {};
        form.find('label[for]').each(function () {
            var prop = this.getAttribute('for').split('-').pop();
            var key = 'tooltip.' + prop;
            var text = t(key);
            if (seen[prop] || text.slice(-key.length) === key) {
                return;
            }
            seen[prop] = true;
            RED.popover.tooltip($(this), text);
        });
    }

    window.AIMS360Editor = {
        translator: translator,
        current: current,
        blank: blank,
        wholeNumber: wholeNumber,
        optionalTyped: optionalTyped,
        onlyWhen: onlyWhen,
        preselectServer: preselectServer,
        jobIdValidator: jobIdValidator,
        typedInput: typedInput,
        jobIdInput: jobIdInput,
        labelTooltips: labelTooltips,
        jobQueryPresets: JOB_QUERY_PRESETS
    };
})();
