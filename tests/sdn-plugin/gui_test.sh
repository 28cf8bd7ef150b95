#!/usr/bin/env bash
# Test of the Proxmox VE GUI panel of the 'ipv6only' SDN zone type
# (sdn-plugin/gui/Ipv6OnlyEdit.js) without a browser: node loads the file
# with a minimal fake Ext/PVE/Proxmox/gettext, runs the panel's
# initComponent and onGetValues, and checks the fields against the options
# of the zone plugin (sdn-plugin/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm,
# loaded by perl with the stand-in PVE modules of tests/sdn-plugin/stand-in).
# It also applies the file's override of PVE.sdn.VnetInputPanel (the VNet
# dialog) to fake panels whose original setZoneType/onGetValues behave like
# those of pve-manager 9.1.18+ ('main') or 8.4, and compares them with
# panels without the override.
#
# Prints one TAP-like line per check ("ok - ..." / "not ok - ...") and exits
# non-zero if any check fails.  node and perl are required: without them the
# test fails, it never skips.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PANEL=sdn-plugin/gui/Ipv6OnlyEdit.js
PLUGIN=PVE::Network::SDN::Zones::Ipv6OnlyPlugin

failures=0
ok() { echo "ok - $*"; }
not_ok() {
    echo "not ok - $*"
    failures=$((failures + 1))
}

for tool in node perl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        not_ok "$tool is installed (required by this test)"
        exit 1
    fi
done

if [[ ! -f $PANEL ]]; then
    not_ok "$PANEL exists"
    exit 1
fi

if node --check "$PANEL" 2>&1; then
    ok "node --check $PANEL"
else
    not_ok "node --check $PANEL"
fi

# Runs the perl script on stdin with the plugin loaded; arguments go to @ARGV.
plugin_perl() {
    perl -I sdn-plugin -I tests/sdn-plugin/stand-in "-M$PLUGIN" - "$@"
}

# The zone options the plugin accepts (keys of options()).
if options=$(plugin_perl <<'EOF'
print "$_\n" for sort keys %{ PVE::Network::SDN::Zones::Ipv6OnlyPlugin->options() };
EOF
) && [[ -n $options ]]; then
    ok "plugin $PLUGIN loads and has options: $(echo "$options" | tr '\n' ' ')"
else
    not_ok "plugin $PLUGIN loads and has options"
    exit 1
fi

# Declared type, enum and defaults of the panel's own keys, as
# "key<TAB>what<TAB>value".
if properties=$(plugin_perl <<'EOF'
my $props = PVE::Network::SDN::Zones::Ipv6OnlyPlugin->properties();
for my $key (qw(nat64-prefix ra dns64 dns64-server)) {
    my $p = $props->{$key} or next;
    print "$key\ttype\t$p->{type}\n";
    print "$key\tdefault\t$p->{default}\n" if defined($p->{default});
    print "$key\tenum\t$_\n" for @{ $p->{enum} // [] };
}
EOF
); then
    ok "plugin properties() can be read"
else
    not_ok "plugin properties() can be read"
    properties=''
fi

# Prefixes on which the panel's validator and the plugin must agree.
prefix_cases=(
    '64:ff9b::/96' '2001:db8:64::/48' '2001:db8::/32' '2001:db8:100::/40'
    '2001:db8:122:300::/56' '2001:db8:122:344::/64' '2001:db8:1:2::/96'
    '0064:ff9b:0000::/96' '2001:db8:0:0:1::/96'
    '2001:db8::/60' '2001:db8::/128' '64:ff9b::/0' '10.0.0.0/8'
    '64:ff9b::1/96' '64:ff9b::192.0.2.0/96' '2001:db8:64::1/48'
    '2001:db8:0:0:ff00::/96' 'garbage' '64:ff9b::' '/96' '64:ff9b:::/96'
    '1:2:3:4:5:6:7:8:9/96' '12345::/96' '64:ff9b::/96/96' 'g::/96'
)
if plugin_verdicts=$(plugin_perl "${prefix_cases[@]}" <<'EOF'
my $check = PVE::Network::SDN::Zones::Ipv6OnlyPlugin->can('nat64_prefix_error')
    or die "no nat64_prefix_error in the plugin\n";
for my $prefix (@ARGV) {
    print "$prefix\t", (defined($check->($prefix)) ? 'invalid' : 'valid'), "\n";
}
EOF
); then
    ok "plugin judges the ${#prefix_cases[@]} sample prefixes (nat64_prefix_error)"
else
    not_ok "plugin judges the sample prefixes (nat64_prefix_error)"
    plugin_verdicts=''
fi

# The node harness: loads the panel into a fake Ext environment and prints
# its own ok / not ok lines.
harness_js() {
    cat <<'EOF'
'use strict';

const fs = require('fs');
const vm = require('vm');

const [panelFile, optionText, propertyText, verdictText] = process.argv.slice(2);

let failed = 0;
const check = (cond, desc) => {
    console.log((cond ? 'ok - ' : 'not ok - ') + desc);
    if (!cond) {
        failed++;
    }
};
const lines = (text) => text.split('\n').filter((line) => line !== '');

const options = lines(optionText);
const properties = {};
for (const line of lines(propertyText)) {
    const [key, what, value] = line.split('\t');
    properties[key] = properties[key] || { enum: [] };
    if (what === 'enum') {
        properties[key].enum.push(value);
    } else {
        properties[key][what] = value;
    }
}

// Fields PVE.panel.SDNZoneBase (www/manager6/sdn/zones/Base.js of
// pve-manager, PVE 8.x and 9.x alike) adds to every zone panel: 'zone' (ID),
// 'mtu', 'nodes' and 'ipam' to items, 'dns', 'reversedns' and 'dnszone' to
// advancedItems.  The fake callParent below does not run Base.js, so they
// are listed here.
const BASE_FIELDS = ['zone', 'mtu', 'nodes', 'ipam', 'dns', 'reversedns', 'dnszone'];
// Keys the panel must offer a field for (itself or through the base class).
const REQUIRED_FIELDS = ['nat64-prefix', 'ra', 'dns64', 'dns64-server', 'mtu'];

// --- minimal fake ExtJS / Proxmox environment -------------------------------
const classes = {};
const overrides = [];
const schema = {
    zone: { name: 'zone', hideAdd: true },
    simple: { name: 'Simple', ipanel: 'SimpleInputPanel', faIcon: 'th' },
};
const sandbox = {
    Ext: {
        define: (name, config) => {
            if (config && config.override !== undefined) {
                overrides.push({ name: name, config: config });
            } else {
                classes[name] = config;
            }
        },
    },
    PVE: { Utils: { sdnzoneSchema: schema } },
    Proxmox: { Utils: { defaultText: 'Default', disabledText: 'Disabled' } },
    gettext: (text) => text,
};
vm.createContext(sandbox);
try {
    vm.runInContext(fs.readFileSync(panelFile, 'utf8'), sandbox, { filename: panelFile });
    check(true, 'panel file runs in the fake Ext environment');
} catch (err) {
    check(false, 'panel file runs in the fake Ext environment: ' + err);
    process.exit(1);
}

const CLASS = 'PVE.sdn.zones.Ipv6OnlyInputPanel';
const config = classes[CLASS];
check(config !== undefined, `class ${CLASS} is defined`);
if (config === undefined) {
    process.exit(1);
}
check(config.extend === 'PVE.panel.SDNZoneBase', 'it extends PVE.panel.SDNZoneBase');

const entry = schema.ipv6only;
check(entry !== undefined, 'PVE.Utils.sdnzoneSchema.ipv6only is registered');
check(entry && entry.ipanel === 'Ipv6OnlyInputPanel', "its ipanel is 'Ipv6OnlyInputPanel'");
check(
    entry && 'PVE.sdn.zones.' + entry.ipanel === CLASS,
    "ZoneView's 'PVE.sdn.zones.' + ipanel names the defined class",
);
check(entry && entry.name === 'IPv6-only (NAT64)' && entry.faIcon === 'th', 'name and faIcon are set');
check(schema.simple && schema.zone, 'the other zone types are still registered');

// A panel instance: the recorded config as prototype, callParent a no-op,
// down() answering the component queries the panel makes with fake fields.
const makePanel = (isCreate) => {
    const fakes = {
        mtu: { min: undefined, max: undefined, emptyText: undefined, validated: 0 },
        dns64: { value: '__default__' },
        'dns64-server': { validated: 0 },
    };
    const me = Object.create(config);
    Object.assign(me, {
        isCreate: isCreate,
        type: 'ipv6only',
        zone: isCreate ? undefined : 'z6',
        callParent: () => {},
        down: (selector) => {
            const m = /^field\[name=([\w-]+)\]$/.exec(selector);
            const name = m && m[1];
            if (name === 'mtu') {
                return {
                    setMinValue: (v) => { fakes.mtu.min = v; },
                    setMaxValue: (v) => { fakes.mtu.max = v; },
                    setEmptyText: (v) => { fakes.mtu.emptyText = v; },
                };
            } else if (name === 'dns64') {
                return { getValue: () => fakes.dns64.value };
            } else if (name === 'dns64-server') {
                return { validate: () => { fakes['dns64-server'].validated++; } };
            }
            return null;
        },
    });
    me.initComponent();
    return { me, fakes };
};

// All field configs (objects with a name) below items / advancedItems.
const collectFields = (list, out) => {
    for (const item of list || []) {
        if (item && typeof item === 'object') {
            if (item.name !== undefined) {
                out.push(item);
            }
            collectFields(item.items, out);
        }
    }
    return out;
};

for (const isCreate of [true, false]) {
    const mode = isCreate ? 'create' : 'edit';
    let panel;
    try {
        panel = makePanel(isCreate);
        check(true, `${mode}: initComponent runs`);
    } catch (err) {
        check(false, `${mode}: initComponent runs: ${err}`);
        continue;
    }
    const { me, fakes } = panel;
    const fields = collectFields(me.items, []).concat(collectFields(me.advancedItems, []));
    const names = fields.map((f) => f.name);
    const field = (name) => fields.find((f) => f.name === name);

    check(names.length > 0, `${mode}: fields: ${names.join(', ')}`);
    for (const name of names) {
        check(
            options.includes(name) || name === 'zone' || name === 'type',
            `${mode}: field '${name}' is a plugin option (or zone/type)`,
        );
    }
    check(new Set(names).size === names.length, `${mode}: no field name appears twice`);
    for (const name of names) {
        check(!BASE_FIELDS.includes(name), `${mode}: field '${name}' is not one SDNZoneBase adds already`);
    }
    for (const name of REQUIRED_FIELDS) {
        check(
            names.includes(name) || BASE_FIELDS.includes(name),
            `${mode}: option '${name}' has a field (panel or SDNZoneBase)`,
        );
        check(options.includes(name), `${mode}: '${name}' is a plugin option`);
    }
    for (const name of BASE_FIELDS.filter((n) => n !== 'zone')) {
        check(options.includes(name), `${mode}: SDNZoneBase's field '${name}' is a plugin option`);
    }

    for (const name of ['nat64-prefix', 'dns64', 'dns64-server']) {
        const f = field(name) || {};
        check(
            f.deleteEmpty === !isCreate,
            `${mode}: '${name}' has deleteEmpty ${!isCreate} (clearing it deletes the key on edit)`,
        );
    }

    const prefixField = field('nat64-prefix') || {};
    const defaultPrefix = (properties['nat64-prefix'] || {}).default;
    check(
        prefixField.emptyText === '64:ff9b::/96' && prefixField.emptyText === defaultPrefix,
        `${mode}: nat64-prefix shows the default 64:ff9b::/96 (plugin default: ${defaultPrefix})`,
    );
    check(typeof prefixField.validator === 'function', `${mode}: nat64-prefix has a validator`);

    // 'ra': a proxmoxcheckbox, checked by default like the plugin's default
    // 1.  submitData is Proxmox.form.Checkbox's getSubmitData
    // (proxmox-widget-toolkit src/form/Checkbox.js) on top of Ext's
    // getSubmitValue (inputValue when checked, else uncheckedValue or null).
    const raField = field('ra') || {};
    const raProp = properties.ra || {};
    check(raProp.type === 'boolean', `${mode}: plugin declares ra as boolean (got ${raProp.type})`);
    check(raProp.default === '1', `${mode}: plugin default of ra is 1 (got ${raProp.default})`);
    check(raField.xtype === 'proxmoxcheckbox', `${mode}: ra is a proxmoxcheckbox`);
    check(raField.checked === true, `${mode}: ra starts checked (the plugin default)`);
    check(
        raField.inputValue === 1 && raField.defaultValue === 1 && raField.uncheckedValue === 0,
        `${mode}: ra submits 1/0 and its defaultValue is the inputValue, by === ` +
            `(${raField.inputValue}/${raField.uncheckedValue}, default ${raField.defaultValue})`,
    );
    check(
        raField.deleteDefaultValue === !isCreate,
        `${mode}: ra has deleteDefaultValue ${!isCreate}`,
    );
    check(
        typeof raField.fieldLabel === 'string' && /router advertisements/i.test(raField.fieldLabel),
        `${mode}: ra is labelled '${raField.fieldLabel}'`,
    );
    const submitData = (f, checked) => {
        const unchecked = f.uncheckedValue !== undefined ? f.uncheckedValue : null;
        const val = checked ? (f.inputValue !== undefined ? f.inputValue : '1') : unchecked;
        if (val !== null) {
            if (val === f.defaultValue && f.deleteDefaultValue) {
                return { delete: f.name };
            }
            return { [f.name]: val };
        }
        return f.deleteEmpty ? { delete: f.name } : null;
    };
    const sameData = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    const raChecked = submitData(raField, true);
    const raUnchecked = submitData(raField, false);
    check(
        sameData(raChecked, isCreate ? { ra: 1 } : { delete: 'ra' }),
        `${mode}: ra checked submits ${JSON.stringify(raChecked)}`,
    );
    check(sameData(raUnchecked, { ra: 0 }), `${mode}: ra unchecked submits ${JSON.stringify(raUnchecked)}`);

    const dns64Field = field('dns64') || {};
    const keys = (dns64Field.comboItems || []).map((item) => item[0]);
    const dns64Enum = ((properties.dns64 || {}).enum || []).slice().sort();
    check(dns64Field.xtype === 'proxmoxKVComboBox', `${mode}: dns64 is a proxmoxKVComboBox`);
    check(
        keys[0] === '__default__' && dns64Field.value === '__default__',
        `${mode}: dns64 starts at __default__`,
    );
    check(
        JSON.stringify(keys.filter((k) => k !== '__default__').sort()) === JSON.stringify(dns64Enum) &&
            dns64Enum.length > 0,
        `${mode}: dns64 choices match the plugin enum (${dns64Enum.join(', ')})`,
    );
    check(
        (properties.dns64 || {}).default === 'local' && /local/.test(dns64Field.comboItems[0][1]),
        `${mode}: the __default__ label names the plugin default 'local'`,
    );

    check(
        fakes.mtu.min === 1280 && fakes.mtu.max === 65535 && fakes.mtu.emptyText === '1500',
        `${mode}: MTU narrowed to 1280..65535, default 1500 (got ${fakes.mtu.min}..${fakes.mtu.max}, ` +
            `${fakes.mtu.emptyText})`,
    );

    // onGetValues
    const values = me.onGetValues({ zone: 'z6', 'nat64-prefix': '64:ff9b::/96', delete: 'dns64' });
    if (isCreate) {
        check(
            values.type === 'ipv6only' && values.zone === 'z6' && values.delete === undefined,
            'create: onGetValues sets type, keeps zone, drops delete',
        );
    } else {
        check(
            values.type === undefined && values.zone === undefined && values.delete === 'dns64',
            'edit: onGetValues drops zone, sets no type, keeps delete',
        );
    }

    if (!isCreate) {
        continue;
    }

    // validators, as the fields call them
    const prefixOk = (v) => prefixField.validator.call(prefixField, v) === true;
    for (const v of ['64:ff9b::/96', '2001:db8:64::/48', '']) {
        check(prefixOk(v), `nat64-prefix accepts '${v}'`);
    }
    for (const v of ['2001:db8::/60', '10.0.0.0/8', 'garbage', '64:ff9b::1/96', '2001:db8:0:0:ff00::/96']) {
        const result = prefixField.validator.call(prefixField, v);
        check(
            result !== true && typeof result === 'string' && result.length > 0,
            `nat64-prefix rejects '${v}' (${result})`,
        );
    }

    const verdicts = lines(verdictText).map((line) => line.split('\t'));
    check(verdicts.length > 0, 'plugin verdicts for the sample prefixes are available');
    for (const [prefix, verdict] of verdicts) {
        const gui = prefixOk(prefix) ? 'valid' : 'invalid';
        check(gui === verdict, `panel and plugin agree on '${prefix}' (panel ${gui}, plugin ${verdict})`);
    }

    const serverField = field('dns64-server') || {};
    const serverCheck = (v) => serverField.validator.call(serverField, v);
    check(typeof serverField.validator === 'function', 'dns64-server has a validator');
    for (const v of ['2001:db8::53', '64:ff9b::192.0.2.53', '::1', '']) {
        check(serverCheck(v) === true, `dns64-server accepts '${v}'`);
    }
    for (const v of ['192.0.2.1', '2001:db8::53/128', 'dns.example', '2001:db8:::53', '1:2:3:4:5:6:7:8:9']) {
        check(serverCheck(v) !== true, `dns64-server rejects '${v}'`);
    }
    fakes.dns64.value = 'off';
    check(serverCheck('2001:db8::53') !== true, "dns64-server is refused while dns64 is 'off'");
    check(serverCheck('') === true, "an empty dns64-server is fine while dns64 is 'off'");
    fakes.dns64.value = 'local';
    check(serverCheck('2001:db8::53') === true, "dns64-server is fine while dns64 is 'local'");

    const change = ((dns64Field.listeners || {}).change || (() => {}));
    change.call(dns64Field);
    check(fakes['dns64-server'].validated === 1, 'changing dns64 revalidates dns64-server');
}

// --- override of the VNet dialog panel PVE.sdn.VnetInputPanel ---------------
const VNET_CLASS = 'PVE.sdn.VnetInputPanel';
const vnetOverrides = overrides.filter((o) => o.config.override === VNET_CLASS);
check(vnetOverrides.length === 1, `one override of ${VNET_CLASS} is defined`);
const vnetOverride = vnetOverrides.length === 1 ? vnetOverrides[0].config : null;
check(
    overrides.length === vnetOverrides.length && Object.keys(classes).length === 1,
    'no other class or override is defined',
);
if (vnetOverride === null) {
    process.exit(1);
}
check(typeof vnetOverride.setZoneType === 'function', 'the override has setZoneType');
check(typeof vnetOverride.onGetValues === 'function', 'the override has onGetValues');
for (const member of Object.keys(vnetOverride)) {
    check(
        ['override', 'setZoneType', 'onGetValues'].includes(member) || /^ovsNat64/.test(member),
        `override member '${member}' is setZoneType/onGetValues or prefixed ovsNat64`,
    );
}

// Applies an override config to a prototype as Ext's class system does:
// each method replaces the previous one, which callParent(args) calls.
const applyOverride = (proto, ov) => {
    for (const name of Object.keys(ov)) {
        if (name === 'override') {
            continue;
        }
        const member = ov[name];
        const previous = proto[name];
        if (typeof member === 'function' && typeof previous === 'function') {
            proto[name] = function () {
                const saved = this.callParent;
                this.callParent = (args) => previous.apply(this, args ? Array.from(args) : []);
                try {
                    return member.apply(this, arguments);
                } finally {
                    this.callParent = saved;
                }
            };
        } else {
            proto[name] = member;
        }
    }
};

// A fake form field; 'log' collects the calls made on all fields.  Like
// Ext, a checkbox holds a boolean and disabling a field clears its invalid
// mark.
const makeField = (key, log, init) => ({
    disabled: false,
    hidden: false,
    value: init.value,
    allowBlank: true,
    emptyText: init.emptyText,
    invalid: false,
    setDisabled(d) {
        log.push([key, 'setDisabled', d]);
        this.disabled = !!d;
        if (this.disabled) {
            this.invalid = false;
        }
    },
    isDisabled() {
        return this.disabled;
    },
    setVisible(v) {
        log.push([key, 'setVisible', v]);
        this.hidden = !v;
    },
    setValue(v) {
        log.push([key, 'setValue', v]);
        this.value = init.checkbox ? !!v : v;
    },
    setEmptyText(t) {
        log.push([key, 'setEmptyText', t]);
        this.emptyText = t;
    },
    validate() {
        log.push([key, 'validate']);
        // like Ext: a disabled field counts as valid and keeps its mark
        if (!this.disabled) {
            this.invalid = !this.allowBlank && (this.value === '' || this.value === undefined);
        }
        return this.disabled || !this.invalid;
    },
});

// The originals, modelled on the behaviour of pve-manager's
// www/manager6/sdn/VnetEdit.js: 'main' (9.1.18+) disables the tag for no
// zone/simple and otherwise requires it except for qinq/faucet, disables
// vlanaware for no zone/evpn, and on edit stages deletes for a disabled
// tag/vlanaware; '8.4' hides these fields instead and its onGetValues only
// sets the type on create.  Neither touches isolate-ports.
const ORIGINAL_RESULT = { original: 'setZoneType result' };
const originals = {
    main: {
        setZoneType(zoneType) {
            this.originalCalls.push({ args: Array.from(arguments), before: this.snapshot() });
            const tag = this.down('#sdnVnetTagField');
            const noTag = !zoneType || zoneType === 'simple';
            tag.setDisabled(noTag);
            if (noTag) {
                tag.setValue('');
            }
            tag.allowBlank = noTag || zoneType === 'qinq' || zoneType === 'faucet';
            tag.validate();
            const vlan = this.down('#sdnVnetVlanAwareField');
            const noVlan = !zoneType || zoneType === 'evpn';
            vlan.setDisabled(noVlan);
            if (noVlan) {
                vlan.setValue('');
            }
            return ORIGINAL_RESULT;
        },
        onGetValues(values) {
            if (this.isCreate) {
                values.type = 'vnet';
                return values;
            }
            for (const [key, sel] of [['tag', '#sdnVnetTagField'], ['vlanaware', '#sdnVnetVlanAwareField']]) {
                if (this.down(sel).isDisabled()) {
                    values.delete = values.delete === undefined ? [key] : [].concat(values.delete, key);
                    delete values[key];
                }
            }
            return values;
        },
    },
    '8.4': {
        setZoneType(zoneType) {
            this.originalCalls.push({ args: Array.from(arguments), before: this.snapshot() });
            const tag = this.down('#sdnVnetTagField');
            const noTag = !zoneType || zoneType === 'simple';
            tag.setVisible(!noTag);
            if (noTag) {
                tag.setValue('');
            }
            const vlan = this.down('#sdnVnetVlanAwareField');
            const noVlan = !zoneType || zoneType === 'evpn';
            vlan.setVisible(!noVlan);
            if (noVlan) {
                vlan.setValue('');
            }
            return ORIGINAL_RESULT;
        },
        onGetValues(values) {
            if (this.isCreate) {
                values.type = 'vnet';
            }
            return values;
        },
    },
    // stands in where a field the fake originals use is missing
    none: {
        setZoneType() {
            this.originalCalls.push({ args: Array.from(arguments), before: this.snapshot() });
        },
        onGetValues(values) {
            return values;
        },
    },
};

// A fake VnetInputPanel of one flavour, with or without the override.
// opts.isCreate (default true); opts.missing: field keys the panel lacks;
// opts.noItemIds: the itemId queries find nothing.
const makeVnetPanel = (flavour, withOverride, opts) => {
    opts = opts || {};
    const log = [];
    const fields = {};
    const inits = {
        tag: { value: '', emptyText: undefined },
        vlanaware: { value: false, checkbox: true },
        'isolate-ports': { value: false, checkbox: true },
    };
    for (const key of Object.keys(inits)) {
        if (!(opts.missing || []).includes(key)) {
            fields[key] = makeField(key, log, inits[key]);
        }
    }
    const proto = Object.assign({}, originals[flavour]);
    if (withOverride) {
        applyOverride(proto, vnetOverride);
    }
    return Object.assign(Object.create(proto), {
        isCreate: opts.isCreate !== false,
        log: log,
        originalCalls: [],
        snapshot() {
            const out = {};
            for (const key of Object.keys(fields)) {
                const f = fields[key];
                out[key] = {
                    disabled: f.disabled,
                    hidden: f.hidden,
                    value: f.value,
                    allowBlank: f.allowBlank,
                    emptyText: f.emptyText || '', // none: undefined or ''
                    invalid: f.invalid,
                };
            }
            return out;
        },
        down(selector) {
            const ids = { '#sdnVnetTagField': 'tag', '#sdnVnetVlanAwareField': 'vlanaware' };
            if (ids[selector] !== undefined) {
                return opts.noItemIds ? null : fields[ids[selector]] || null;
            }
            const m = /^field\[name=([\w-]+)\]$/.exec(selector);
            return (m && fields[m[1]]) || null;
        },
    });
};

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

for (const flavour of ['main', '8.4']) {
    // initComponent's setZoneType(undefined), then an ipv6only zone
    const me = makeVnetPanel(flavour, true);
    me.setZoneType(undefined);
    const fresh = me.snapshot();
    const logStart = me.log.length;
    let result;
    try {
        result = me.setZoneType('ipv6only', 'extra-argument');
        check(true, `${flavour}: setZoneType('ipv6only') runs`);
    } catch (err) {
        check(false, `${flavour}: setZoneType('ipv6only') runs: ${err}`);
        continue;
    }
    const call = me.originalCalls[1] || {};
    check(
        same(call.args, ['ipv6only', 'extra-argument']),
        `${flavour}: ipv6only: the original setZoneType ran with the same arguments (${JSON.stringify(call.args)})`,
    );
    const plainLog = makeVnetPanel(flavour, false);
    plainLog.setZoneType(undefined);
    plainLog.setZoneType('ipv6only');
    check(
        same(call.before, fresh) &&
            same(me.log.slice(logStart, plainLog.log.length), plainLog.log.slice(logStart)),
        `${flavour}: ipv6only: the original ran first, before the override changed any field`,
    );
    check(result === ORIGINAL_RESULT, `${flavour}: ipv6only: the original's return value is passed on`);
    const s = me.snapshot();
    check(s.tag.disabled && !s.tag.hidden, `${flavour}: ipv6only: the tag field is shown but disabled`);
    check(s.tag.allowBlank === true, `${flavour}: ipv6only: the tag is not required`);
    check(s.tag.value === '', `${flavour}: ipv6only: the tag is empty`);
    check(!s.tag.invalid, `${flavour}: ipv6only: the tag field is not marked invalid`);
    check(
        typeof s.tag.emptyText === 'string' && /IPv6-only/.test(s.tag.emptyText) && /VLAN tag/.test(s.tag.emptyText),
        `${flavour}: ipv6only: the tag field says why (${s.tag.emptyText})`,
    );
    for (const key of ['vlanaware', 'isolate-ports']) {
        check(s[key].disabled && s[key].value === false, `${flavour}: ipv6only: ${key} is disabled and unchecked`);
    }
    me.setZoneType('ipv6only');
    check(same(me.snapshot(), s), `${flavour}: ipv6only twice leaves the same state`);

    // other zone types on a fresh panel: exactly as without the override
    for (const zoneType of ['simple', 'vlan', 'qinq', 'evpn', undefined]) {
        const withOv = makeVnetPanel(flavour, true);
        const plain = makeVnetPanel(flavour, false);
        for (const p of [withOv, plain]) {
            p.setZoneType(undefined);
            p.setZoneType(zoneType, 'extra-argument');
        }
        check(
            same(withOv.log, plain.log) && same(withOv.snapshot(), plain.snapshot()),
            `${flavour}: ${zoneType}: nothing changed after the original (same calls, same fields)`,
        );
        check(
            same(
                withOv.originalCalls.map((c) => c.args),
                plain.originalCalls.map((c) => c.args),
            ),
            `${flavour}: ${zoneType}: the original gets the same arguments`,
        );
    }

    // zone changed from ipv6only to another type: fields as in a panel
    // without the override that saw the same zone changes
    for (const zoneType of ['simple', 'vlan', 'evpn']) {
        const withOv = makeVnetPanel(flavour, true);
        const plain = makeVnetPanel(flavour, false);
        for (const p of [withOv, plain]) {
            p.setZoneType(undefined);
            p.setZoneType('ipv6only');
            p.setZoneType(zoneType);
        }
        check(
            same(withOv.snapshot(), plain.snapshot()),
            `${flavour}: ipv6only then ${zoneType}: fields as without the override`,
        );
        const before = withOv.originalCalls[withOv.originalCalls.length - 1].before;
        check(
            Object.keys(before).every((k) => !before[k].disabled),
            `${flavour}: ipv6only then ${zoneType}: fields re-enabled before the original runs`,
        );
    }

    // onGetValues
    const values = (panel, input) => panel.onGetValues(Object.assign({}, input));
    const create = makeVnetPanel(flavour, true);
    create.setZoneType(undefined);
    create.setZoneType('ipv6only');
    check(
        same(values(create, { vnet: 'v6', zone: 'z6' }), { vnet: 'v6', zone: 'z6', type: 'vnet' }),
        `${flavour}: create in ipv6only: onGetValues adds no delete`,
    );

    const edit = makeVnetPanel(flavour, true, { isCreate: false });
    edit.setZoneType(undefined);
    edit.setZoneType('ipv6only');
    const got = values(edit, { vnet: 'v6', zone: 'z6', delete: 'alias' });
    check(
        same([].concat(got.delete || []).sort(), ['alias', 'isolate-ports', 'tag', 'vlanaware']),
        `${flavour}: edit in ipv6only: tag, vlanaware and isolate-ports deleted, once each ` +
            `(${JSON.stringify(got.delete)})`,
    );
    check(got.zone === 'z6' && got.vnet === 'v6', `${flavour}: edit in ipv6only: other values kept`);

    for (const zoneType of ['vlan', 'simple']) {
        for (const sequence of [[zoneType], ['ipv6only', zoneType]]) {
            const withOv = makeVnetPanel(flavour, true, { isCreate: false });
            const plain = makeVnetPanel(flavour, false, { isCreate: false });
            for (const p of [withOv, plain]) {
                p.setZoneType(undefined);
                sequence.forEach((z) => p.setZoneType(z));
            }
            const input = { vnet: 'v1', zone: 'z1', tag: 7, delete: 'alias' };
            check(
                same(values(withOv, input), values(plain, input)),
                `${flavour}: edit, zone ${sequence.join(' then ')}: onGetValues as without the override`,
            );
        }
    }
}

// a field or an itemId missing in some version is skipped
for (const opts of [{ missing: ['isolate-ports'] }, { missing: ['vlanaware'] }, { noItemIds: true }]) {
    const desc = JSON.stringify(opts);
    try {
        const p = makeVnetPanel('none', true, Object.assign({ isCreate: false }, opts));
        p.setZoneType('ipv6only');
        const out = p.onGetValues({ vnet: 'v6' });
        const s = p.snapshot();
        check(
            Object.keys(s).every((k) => s[k].disabled) &&
                same([].concat(out.delete || []).sort(), Object.keys(s).sort()),
            `${desc}: ipv6only disables and deletes just the fields present (${Object.keys(s).join(', ')})`,
        );
    } catch (err) {
        check(false, `${desc}: ipv6only with a field missing runs: ${err}`);
    }
}

process.exit(failed ? 1 : 0);
EOF
}

# A crash of the harness counts as a failure.
harness_rc=0
harness_out=$(harness_js | node - "$PANEL" "$options" "$properties" "$plugin_verdicts" 2>&1) ||
    harness_rc=$?
echo "$harness_out"
if [[ $harness_rc -ne 0 ]] && ! grep -q '^not ok' <<<"$harness_out"; then
    not_ok "node harness exited with status $harness_rc"
fi
failures=$((failures + $(grep -c '^not ok' <<<"$harness_out" || true)))

# Cheap syntax guard: the appended file stays plain ES2015, so no nullish
# coalescing or optional chaining (ES2020).
if grep -nE '\?\?|\?\.[A-Za-z_([]' "$PANEL"; then
    not_ok "$PANEL uses no ES2020 operators (?? ?.)"
else
    ok "$PANEL uses no ES2020 operators (?? ?.)"
fi

if [[ $failures -ne 0 ]]; then
    echo "# $failures check(s) failed"
    exit 1
fi
echo "# all checks passed"
