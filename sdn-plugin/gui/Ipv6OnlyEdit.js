/*
 * ovs-nat64: Proxmox VE GUI panel for the SDN zone type 'ipv6only'
 * (IPv6-only VNets with stateless NAT64 in Open vSwitch, DNS64 for guests).
 *
 * This file is not loaded on its own: sdn-plugin's registration tool appends
 * it to the end of pve-manager's bundle pvemanagerlib.js, between marker
 * lines, so it runs after all of pve-manager's classes (among them
 * PVE.Utils, PVE.panel.SDNZoneBase and PVE.sdn.VnetInputPanel) are defined.
 * Keep it plain ES2015 in pve-manager's style, so that pve-manager's linter
 * (pve-eslint on PVE 8, proxmox-biome on newer releases) accepts it.
 *
 * Fields: the zone ID, MTU, nodes, IPAM and the DNS/reverse DNS/DNS zone
 * fields come from PVE.panel.SDNZoneBase; this panel adds 'nat64-prefix',
 * 'ra' (router advertisements), 'dns64' and 'dns64-server', and narrows the
 * MTU range to IPv6's.
 *
 * The file also overrides pve-manager's VNet dialog panel,
 * PVE.sdn.VnetInputPanel (www/manager6/sdn/VnetEdit.js).  Its setZoneType
 * only knows the built-in zone types and treats any other one as a tagged
 * zone: since pve-manager 9.1.18 the Tag field is then required, on 8.4 it
 * is shown, and 'VLAN Aware' and 'Isolate Ports' are offered.  The plugin
 * refuses a tag, vlanaware and isolate-ports on an ipv6only VNet, so without
 * the override the 9.1.18+ GUI could not create a VNet there at all, and
 * the 8.4 GUI would offer settings that are refused on saving.  For zone type
 * 'ipv6only' only, the override runs the original setZoneType and then
 * empties and disables these three fields (the tag no longer required);
 * when the zone changes to another type it re-enables them before the
 * original runs, so other zone types behave exactly as without it.  When
 * an existing VNet is saved in an ipv6only zone, onGetValues also asks to
 * delete these keys, so a VNet moved in from a tagged zone drops its tag.
 */
Ext.define('PVE.sdn.zones.Ipv6OnlyInputPanel', {
    extend: 'PVE.panel.SDNZoneBase',

    onlineHelp: 'pvesdn_config_zone',

    // RFC 6052, section 2.2: the prefix lengths an IPv4-embedded IPv6
    // address format is defined for
    nat64PrefixLengths: [32, 40, 48, 56, 64, 96],

    defaultNat64Prefix: '64:ff9b::/96',

    // IPv6 requires a link MTU of at least 1280 (RFC 8200, section 5)
    mtuMin: 1280,
    mtuMax: 65535,
    mtuDefault: 1500,

    // Returns the eight 16 bit groups of an IPv6 address (text form of
    // RFC 4291, section 2.2, including a trailing dotted IPv4 part), or
    // null if the text is not an IPv6 address.
    parseIp6Address: function (text) {
        if (typeof text !== 'string' || !/^[0-9A-Fa-f:.]+$/.test(text)) {
            return null;
        }

        let halves = text.split('::');
        if (halves.length > 2) {
            return null;
        }

        let parseHalf = function (half, isLast) {
            let groups = [];
            if (half === '') {
                return groups;
            }
            let parts = half.split(':');
            for (let i = 0; i < parts.length; i++) {
                let part = parts[i];
                if (/^[0-9A-Fa-f]{1,4}$/.test(part)) {
                    groups.push(parseInt(part, 16));
                    continue;
                }
                let v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(part);
                if (!v4 || !isLast || i !== parts.length - 1) {
                    return null;
                }
                let octets = v4.slice(1).map(Number);
                if (octets.some((octet) => octet > 255)) {
                    return null;
                }
                groups.push(octets[0] * 256 + octets[1], octets[2] * 256 + octets[3]);
            }
            return groups;
        };

        let head = parseHalf(halves[0], halves.length === 1);
        let tail = halves.length === 2 ? parseHalf(halves[1], true) : [];
        if (head === null || tail === null) {
            return null;
        }

        if (halves.length === 1) {
            return head.length === 8 ? head : null;
        }

        // '::' stands for at least one group of zeros
        let missing = 8 - head.length - tail.length;
        if (missing < 1) {
            return null;
        }
        let zeros = [];
        for (let j = 0; j < missing; j++) {
            zeros.push(0);
        }
        return head.concat(zeros, tail);
    },

    // Returns true or an error text if value is not an IPv6 address
    // (empty is fine).
    validateIp6Address: function (value) {
        var me = this;

        if (value === undefined || value === null || value === '') {
            return true;
        }
        if (me.parseIp6Address(value) === null) {
            return (
                gettext('Not a valid IPv6 address') + ' (' + gettext('Example') + ': 2001:db8::53)'
            );
        }
        return true;
    },

    // Ext field validator for 'dns64-server': true or an error text.  The
    // plugin refuses a server together with 'dns64: off'.
    validateDns64Server: function (value) {
        var me = this;

        let result = me.validateIp6Address(value);
        if (result !== true || value === undefined || value === null || value === '') {
            return result;
        }

        let dns64Field = me.down('field[name=dns64]');
        if (dns64Field && dns64Field.getValue() === 'off') {
            return gettext('Cannot be used while DNS64 is disabled');
        }
        return true;
    },

    // Ext field validator for 'nat64-prefix': true or an error text.
    // Accepts an IPv6 prefix in CIDR notation with one of the RFC 6052
    // lengths, all bits after the prefix length zero, and (RFC 6052,
    // section 2.2) bits 64 to 71 zero.
    validateNat64Prefix: function (value) {
        var me = this;

        if (value === undefined || value === null || value === '') {
            return true;
        }

        let example = ' (' + gettext('Example') + ': ' + me.defaultNat64Prefix + ')';

        let match = /^([^/]+)\/(\d{1,3})$/.exec(value);
        let groups = match ? me.parseIp6Address(match[1]) : null;
        if (groups === null) {
            return gettext('Not a valid IPv6 prefix in CIDR notation') + example;
        }

        let length = parseInt(match[2], 10);
        if (me.nat64PrefixLengths.indexOf(length) === -1) {
            return (
                gettext('The prefix length must be one of') +
                ' ' +
                me.nat64PrefixLengths.join(', ') +
                ' (RFC 6052)'
            );
        }

        for (let bit = length; bit < 128; bit++) {
            if (groups[bit >> 4] & (0x8000 >> (bit & 15))) {
                return gettext('The address bits after the prefix length must be zero') + example;
            }
        }

        if (groups[4] & 0xff00) {
            return gettext('Bits 64 to 71 of the prefix must be zero') + ' (RFC 6052)';
        }

        return true;
    },

    onGetValues: function (values) {
        var me = this;

        if (me.isCreate) {
            values.type = me.type;
            delete values.delete;
        } else {
            delete values.zone;
        }

        return values;
    },

    initComponent: function () {
        var me = this;

        me.items = [
            {
                xtype: 'proxmoxtextfield',
                name: 'nat64-prefix',
                fieldLabel: gettext('NAT64 Prefix'),
                emptyText: me.defaultNat64Prefix,
                allowBlank: true,
                skipEmptyText: true,
                deleteEmpty: !me.isCreate,
                validator: function (value) {
                    return me.validateNat64Prefix(value);
                },
            },
        ];

        me.advancedItems = [
            {
                // Unchecked ('ra 0') for VNets with a router of their own.
                // inputValue is the number 1 like defaultValue: the
                // checkbox compares them with ===, and on edit the default
                // (checked) deletes the key instead of storing 'ra 1'.
                xtype: 'proxmoxcheckbox',
                name: 'ra',
                fieldLabel: gettext('Router advertisements'),
                checked: true,
                inputValue: 1,
                uncheckedValue: 0,
                defaultValue: 1,
                deleteDefaultValue: !me.isCreate,
            },
            {
                xtype: 'proxmoxKVComboBox',
                name: 'dns64',
                fieldLabel: 'DNS64',
                value: '__default__',
                comboItems: [
                    ['__default__', Proxmox.Utils.defaultText + ' (' + gettext('local') + ')'],
                    ['local', gettext('Local resolver on the VNet gateway')],
                    ['off', Proxmox.Utils.disabledText],
                ],
                deleteEmpty: !me.isCreate,
                listeners: {
                    change: function () {
                        let serverField = me.down('field[name=dns64-server]');
                        if (serverField) {
                            serverField.validate();
                        }
                    },
                },
            },
            {
                xtype: 'proxmoxtextfield',
                name: 'dns64-server',
                fieldLabel: gettext('DNS64 Server'),
                emptyText: gettext('VNet gateway'),
                allowBlank: true,
                skipEmptyText: true,
                deleteEmpty: !me.isCreate,
                validator: function (value) {
                    return me.validateDns64Server(value);
                },
            },
        ];

        me.callParent();

        // SDNZoneBase adds the MTU field with limits for all zone types;
        // this zone type only carries IPv6, so narrow them.
        let mtuField = me.down('field[name=mtu]');
        if (mtuField) {
            mtuField.setMinValue(me.mtuMin);
            mtuField.setMaxValue(me.mtuMax);
            mtuField.setEmptyText(String(me.mtuDefault));
        }
    },
});

PVE.Utils.sdnzoneSchema.ipv6only = {
    name: 'IPv6-only (NAT64)',
    ipanel: 'Ipv6OnlyInputPanel',
    faIcon: 'th',
};

// In an Ext override, callParent calls the method it overrides (here the
// original of VnetEdit.js); arguments are passed through unchanged.
Ext.define('PVE.sdn.Ipv6OnlyVnetInputPanelOverride', {
    override: 'PVE.sdn.VnetInputPanel',

    // The VNet keys the ipv6only plugin refuses, with the component queries
    // finding their fields in pve-manager 8.4 and 9.x; a field missing in
    // some version is skipped.
    ovsNat64RefusedFields: [
        { key: 'tag', selectors: ['#sdnVnetTagField', 'field[name=tag]'] },
        { key: 'vlanaware', selectors: ['#sdnVnetVlanAwareField', 'field[name=vlanaware]'] },
        { key: 'isolate-ports', selectors: ['field[name=isolate-ports]'] },
    ],

    // Returns the field of one entry of ovsNat64RefusedFields, or null.
    ovsNat64Field: function (entry) {
        let me = this;

        for (const selector of entry.selectors) {
            let field = me.down(selector);
            if (field) {
                return field;
            }
        }
        return null;
    },

    // Empties and disables the refused fields, the tag no longer required.
    ovsNat64Lock: function () {
        let me = this;

        for (const entry of me.ovsNat64RefusedFields) {
            let field = me.ovsNat64Field(entry);
            if (!field) {
                continue;
            }
            if (entry.key === 'tag') {
                if (!me.ovsNat64Locked) {
                    me.ovsNat64TagEmptyText = field.emptyText;
                }
                field.allowBlank = true;
                field.setValue('');
                if (typeof field.setEmptyText === 'function') {
                    field.setEmptyText(gettext('None: IPv6-only VNets have no VLAN tag'));
                }
                // clears the invalid mark the original may have set
                if (typeof field.validate === 'function') {
                    field.validate();
                }
            } else {
                field.setValue(false);
            }
            field.setDisabled(true);
        }
        me.ovsNat64Locked = true;
    },

    // Undoes ovsNat64Lock before the original setZoneType decides again.
    ovsNat64Unlock: function () {
        let me = this;

        for (const entry of me.ovsNat64RefusedFields) {
            let field = me.ovsNat64Field(entry);
            if (!field) {
                continue;
            }
            if (entry.key === 'tag' && typeof field.setEmptyText === 'function') {
                field.setEmptyText(me.ovsNat64TagEmptyText || '');
            }
            field.setDisabled(false);
        }
        me.ovsNat64Locked = false;
    },

    setZoneType: function (zoneType) {
        let me = this;

        if (zoneType !== 'ipv6only' && me.ovsNat64Locked) {
            me.ovsNat64Unlock();
        }
        let result = me.callParent(arguments);
        if (zoneType === 'ipv6only') {
            me.ovsNat64Lock();
        }
        return result;
    },

    onGetValues: function (values) {
        let me = this;

        values = me.callParent(arguments);
        if (me.isCreate || !me.ovsNat64Locked || !values) {
            return values;
        }

        // Disabled fields are not submitted: delete the refused keys
        // explicitly (deleting an absent key is fine for the API).
        let toDelete = values.delete;
        if (toDelete === undefined || toDelete === null || toDelete === '') {
            toDelete = [];
        } else if (!Array.isArray(toDelete)) {
            toDelete = String(toDelete).split(',');
        }
        for (const entry of me.ovsNat64RefusedFields) {
            if (
                me.ovsNat64Field(entry) &&
                values[entry.key] === undefined &&
                toDelete.indexOf(entry.key) === -1
            ) {
                toDelete.push(entry.key);
            }
        }
        if (toDelete.length > 0) {
            values.delete = toDelete;
        }
        return values;
    },
});
