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

    // Searchable, grouped suggestions under the text box of the typed input #node-input-<prop>,
    // with jQuery UI's autocomplete (shipped by the editor of Node-RED 4 and 5). groups() gives
    // [{ label, values: [text, ...] }, ...] at each search. Typing filters them: any part of a
    // value or of its group's label, case-insensitive. Headers are not choices (mouse and arrow
    // keys skip them); a click or the down arrow opens the list, Enter or a click picks. Only for
    // the str type, and only a suggestion: any text stays allowed; a typed text that matches
    // nothing is offered as it is under the custom label, if given.
    function groupedSuggestions(prop, groups, custom) {
        var field = $('#node-input-' + prop);
        var input = field.next('.red-ui-typedInput-container').find('input.red-ui-typedInput-input');
        input.autocomplete({
            minLength: 0,
            delay: 0,
            source: function (request, response) {
                var term = request.term.trim().toLowerCase();
                var items = [];
                if (field.typedInput('type') === 'str') {
                    groups().forEach(function (group) {
                        var all = group.label.toLowerCase().indexOf(term) >= 0;
                        group.values.forEach(function (value) {
                            if (all || value.toLowerCase().indexOf(term) >= 0) {
                                items.push({ label: value, value: value, group: group.label });
                            }
                        });
                    });
                    if (custom && term && !items.length) {
                        items.push({ label: request.term.trim(), value: request.term.trim(), group: custom });
                    }
                }
                response(items);
            },
            // Arrowing through the list keeps the typed text; Enter or a click sets the value.
            focus: function () {
                return false;
            },
            select: function (event, ui) {
                field.typedInput('value', ui.item.value);
                return false;
            },
            // Above the edit tray.
            open: function () {
                input.autocomplete('widget').css('z-index', 1000);
            }
        });
        var widget = input.autocomplete('instance');
        widget._renderMenu = function (ul, items) {
            var group;
            ul.addClass('aims360-suggestions');
            items.forEach(function (item) {
                if (item.group !== group) {
                    group = item.group;
                    $('<li class="aims360-suggestions-group">').text(group)
                        .css({ padding: '4px 6px 2px', fontWeight: 'bold', cursor: 'default' }).appendTo(ul);
                }
                widget._renderItemData(ul, item).children().css('padding-left', '16px');
            });
        };
        widget.widget().menu('option', 'items', '> :not(.aims360-suggestions-group)');
        // A click on the field lists every suggestion, as a dropdown; typing then filters.
        input.on('click', function () {
            if (!widget.widget().is(':visible')) {
                input.autocomplete('search', '');
            }
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

    // ---- settings shared by several dialogs: written once, as the runtime reads them once ----

    var NUMBER = /^\s*\d*\.?\d+\s*$/;
    var OUTPUT_FORMATS = ['auto', 'buffer', 'utf8', 'json', 'rows', 'file', 'stream-rows'];
    // A path in the File name field: the runtime would flatten it, so say so here.
    var PATHLIKE = /[/\\]|\.\./;
    var DEFAULT_INTERVAL = 5;

    function always() {
        return true;
    }

    // Empty (or only spaces) means the default, as the runtime reads it.
    function empty(v) {
        return blank(v) || String(v).trim() === '';
    }

    // A number of seconds as saved (a number, or the string the dialog saves); NaN when it is not one.
    function seconds(v) {
        if (typeof v === 'number') {
            return v;
        }
        var s = String(v).trim();
        return s === '' ? NaN : Number(s);
    }

    function atLeast(v, min) {
        var n = seconds(v);
        return Number.isFinite(n) && n >= min;
    }

    // The defaults of fetch output's settings (format, directory, file name, max size, documents,
    // block size) for a dialog that hands on a job's output; applies(node) limits them to when
    // the dialog shows them. t gives the node's own "errors.*" texts.
    function outputDefaults(t, applies) {
        applies = applies || always;
        var format = function (name) {
            return function (node) {
                return applies(node) && (current(node, 'format') || 'auto') === name;
            };
        };
        var typedDirectory = optionalTyped('directoryType', 'str');
        var typedFilename = optionalTyped('filenameType', 'str');
        return {
            format: {
                value: 'auto',
                validate: onlyWhen(applies, function (v) {
                    return OUTPUT_FORMATS.indexOf(v) >= 0 || t('errors.format');
                })
            },
            // Required for the file format: left empty it failed only at run time.
            directory: {
                value: '',
                validate: onlyWhen(format('file'), function (v, opt) {
                    return blank(v) ? t('errors.directory') : typedDirectory.call(this, v, opt);
                })
            },
            directoryType: { value: 'str' },
            filename: {
                value: '',
                validate: onlyWhen(format('file'), function (v, opt) {
                    if (!blank(v) && (current(this, 'filenameType') || 'str') === 'str' && PATHLIKE.test(v)) {
                        return t('errors.filename');
                    }
                    return typedFilename.call(this, v, opt);
                })
            },
            filenameType: { value: 'str' },
            maxSizeMB: {
                value: 100,
                validate: onlyWhen(applies, function (v) {
                    return blank(v) || (NUMBER.test(String(v)) && Number(v) >= 0.001) || t('errors.maxSizeMB');
                })
            },
            documents: {
                value: 'first',
                validate: onlyWhen(applies, function (v) {
                    return v === 'first' || v === 'all' || t('errors.documents');
                })
            },
            rowsPerMessage: {
                value: 1000,
                validate: onlyWhen(format('stream-rows'), function (v) {
                    return blank(v) || wholeNumber(v, 1, 1000000) || t('errors.rowsPerMessage');
                })
            }
        };
    }

    // The output fields in an open dialog: typed inputs, spinners, and the rows of the chosen
    // format shown (classes <prefix>-file and <prefix>-stream), its fields rechecked.
    function outputFields(prefix) {
        typedInput('directory', 'str', ['str', 'msg', 'flow', 'global', 'env']);
        typedInput('filename', 'str', ['str', 'msg', 'flow', 'global', 'env', 'jsonata']);
        $('#node-input-maxSizeMB').spinner({ min: 0.001 });
        $('#node-input-rowsPerMessage').spinner({ min: 1, max: 1000000 });
        var select = $('#node-input-format');
        select.on('change', function () {
            var value = select.val();
            $('.' + prefix + '-file').toggle(value === 'file');
            $('.' + prefix + '-stream').toggle(value === 'stream-rows');
            ['directory', 'filename', 'rowsPerMessage'].forEach(function (prop) {
                $('#node-input-' + prop).trigger('change');
            });
        });
        select.trigger('change');
    }

    // The defaults of wait for job's timing, progress and persistence; applies(node) as above.
    function waitDefaults(t, applies) {
        applies = applies || always;
        return {
            interval: {
                value: DEFAULT_INTERVAL,
                validate: onlyWhen(applies, function (v) {
                    return empty(v) || atLeast(v, 0.05) || t('errors.interval');
                })
            },
            maxInterval: {
                value: 60,
                validate: onlyWhen(applies, function (v) {
                    if (empty(v)) {
                        return true;
                    }
                    if (!atLeast(v, 0.05)) {
                        return t('errors.maxInterval');
                    }
                    var interval = current(this, 'interval');
                    var first = empty(interval) ? DEFAULT_INTERVAL : seconds(interval);
                    // A bad interval is flagged on its own field.
                    return !Number.isFinite(first) || seconds(v) >= first || t('errors.maxBelowInterval');
                })
            },
            timeout: {
                value: 3600,
                validate: onlyWhen(applies, function (v) {
                    return empty(v) || atLeast(v, 0) || t('errors.timeout');
                })
            },
            progress: { value: false },
            persist: { value: false }
        };
    }

    // The wait fields in an open dialog: the max interval is checked against the interval.
    function waitFields() {
        $('#node-input-interval').on('change keyup', function () {
            $('#node-input-maxInterval').trigger('change');
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
        groupedSuggestions: groupedSuggestions,
        jobIdInput: jobIdInput,
        labelTooltips: labelTooltips,
        outputDefaults: outputDefaults,
        outputFields: outputFields,
        waitDefaults: waitDefaults,
        waitFields: waitFields,
        jobQueryPresets: JOB_QUERY_PRESETS
    };
})();
