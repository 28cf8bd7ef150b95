#!/usr/bin/env bash
# Runs the ipv6only zone plugin inside pve-network's OWN test harness
# (src/test/run_test_zones.pl), with the type registered the way
# ovs-nat64-sdn-register does it on a node, against real pve-network,
# pve-common and pve-cluster sources, for pve-network 0.9.9 (Proxmox VE 8)
# and current main.  See docs/pve-harness.md.
#
# usage: tests/sdn-plugin/pve-harness.sh [--pve-network GITDIR]
#          [--pve-common GITDIR] [--pve-cluster GITDIR]
#          [--version 0.9.9|main|all] [--keep]
#
# GITDIR: a clone (bare or not, full history) of
#   https://git.proxmox.com/git/pve-network.git  (or github.com/proxmox/pve-network)
#   https://git.proxmox.com/git/pve-common.git   (or github.com/proxmox/pve-common)
#   https://git.proxmox.com/git/pve-cluster.git  (or github.com/proxmox/pve-cluster)
# defaults: $PVE_NETWORK_GIT, $PVE_COMMON_GIT, $PVE_CLUSTER_GIT.
# "main" is each clone's master branch (else HEAD).
#
# Exit status: 0 if every fixture (pve-network's own and ours), the API
# schema check and tests/sdn-plugin/hooks.t passed, 1 otherwise, 2 on
# usage or setup errors.

set -euo pipefail

usage() {
    sed -n '/^# usage:/,/^# usage or setup errors/p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
    echo "pve-harness: $*" >&2
    exit 2
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

net_git=${PVE_NETWORK_GIT:-}
common_git=${PVE_COMMON_GIT:-}
cluster_git=${PVE_CLUSTER_GIT:-}
version=all
keep=0

while [ $# -gt 0 ]; do
    case "$1" in
    --pve-network) net_git=${2:?--pve-network needs a directory}; shift 2 ;;
    --pve-common) common_git=${2:?--pve-common needs a directory}; shift 2 ;;
    --pve-cluster) cluster_git=${2:?--pve-cluster needs a directory}; shift 2 ;;
    --version) version=${2:?--version needs 0.9.9, main or all}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

case "$version" in
0.9.9 | main) versions=("$version") ;;
all) versions=(0.9.9 main) ;;
*) die "--version must be 0.9.9, main or all, not '$version'" ;;
esac

# --- what is needed ---------------------------------------------------------

missing_src=()
[ -n "$net_git" ] || missing_src+=("pve-network: --pve-network DIR or PVE_NETWORK_GIT")
[ -n "$common_git" ] || missing_src+=("pve-common: --pve-common DIR or PVE_COMMON_GIT")
[ -n "$cluster_git" ] || missing_src+=("pve-cluster: --pve-cluster DIR or PVE_CLUSTER_GIT")
if [ ${#missing_src[@]} -gt 0 ]; then
    {
        echo "pve-harness: no git clone given for:"
        printf '  %s\n' "${missing_src[@]}"
        echo "clone them (full history) first, e.g.:"
        echo "  git clone https://git.proxmox.com/git/pve-network.git"
        echo "  git clone https://git.proxmox.com/git/pve-common.git"
        echo "  git clone https://git.proxmox.com/git/pve-cluster.git"
        echo "(or the mirrors https://github.com/proxmox/pve-network etc.)"
    } >&2
    exit 2
fi
for d in "$net_git" "$common_git" "$cluster_git"; do
    git -C "$d" rev-parse --git-dir >/dev/null 2>&1 || die "$d is not a git repository"
done

for tool in git make perl prove; do
    command -v "$tool" >/dev/null || die "'$tool' not found (apt-get install git make perl)"
done

# Perl modules pve-network/pve-common/pve-cluster load in the zone tests and
# the API module, and the Debian package of each.
perl_deps=(
    JSON=libjson-perl
    Net::IP=libnet-ip-perl
    NetAddr::IP=libnetaddr-ip-perl
    Net::Subnet=libnet-subnet-perl
    Clone=libclone-perl
    AnyEvent=libanyevent-perl
    Devel::Cycle=libdevel-cycle-perl
    Filesys::Df=libfilesys-df-perl
    Linux::Inotify2=liblinux-inotify2-perl
    String::ShellQuote=libstring-shellquote-perl
    IO::Socket::SSL=libio-socket-ssl-perl
    Net::SSLeay=libnet-ssleay-perl
    LWP::UserAgent=libwww-perl
    UUID=libuuid-perl
    Net::DBus=libnet-dbus-perl
    Test::MockModule=libtest-mockmodule-perl
    Test::Differences=libtest-differences-perl
    File::Slurp=libfile-slurp-perl
)
missing_pkgs=()
for dep in "${perl_deps[@]}"; do
    perl -M"${dep%%=*}" -e1 >/dev/null 2>&1 || missing_pkgs+=("${dep#*=}")
done
if [ ${#missing_pkgs[@]} -gt 0 ]; then
    {
        echo "pve-harness: Perl modules missing; install them with:"
        echo "  apt-get install ${missing_pkgs[*]}"
    } >&2
    exit 2
fi

plugin="$repo_root/sdn-plugin/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm"
fixtures="$repo_root/tests/sdn-plugin/zones/ipv6only"
register_tool="$repo_root/sdn-plugin/ovs-nat64-sdn-register"
hooks_t="$repo_root/tests/sdn-plugin/hooks.t"
[ -f "$plugin" ] || die "$plugin not found"
[ -d "$fixtures" ] || die "$fixtures not found"

# --- work directory -----------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/pve-harness.XXXXXX")
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    if [ "$keep" = 1 ]; then
        echo "pve-harness: kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# Stand-ins, shared by both versions, first on PERL5LIB.  Each replaces a
# module that is compiled or lives in a repository outside these three, and
# implements only what loading pve-network and generating zone configs needs.
standins="$work/standins"
mkdir -p "$standins/PVE/RS/SDN"

cat >"$standins/PVE/IPCC.pm" <<'EOF'
package PVE::IPCC;

# pve-harness stand-in.  The real PVE::IPCC (pve-cluster) is XS built against
# libqb and talks to pmxcfs.  There is no pmxcfs here: answer every request
# the way the real one does when pmxcfs is not running.  The zone tests never
# reach it (they mock the config reads).

use strict;
use warnings;
use Errno ();

sub ipcc_send_rec { $! = Errno::ECONNREFUSED(); return undef; }
sub sendfd { $! = Errno::ENOTSOCK(); return undef; }

1;
EOF

cat >"$standins/PVE/RPCEnvironment.pm" <<'EOF'
package PVE::RPCEnvironment;

# pve-harness stand-in.  The real one is in pve-access-control (and pulls in
# the whole ACL/user stack).  pve-network only loads it and calls get() when
# applying a config; the zone tests and the API schema never do.

use strict;
use warnings;
use base qw(PVE::RESTEnvironment);

sub get { return PVE::RESTEnvironment::get(); }

1;
EOF

cat >"$standins/PVE/RS/SDN.pm" <<'EOF'
package PVE::RS::SDN;

# pve-harness stand-in (pve-network >= 1.0 only).  The real module is Rust
# (proxmox-perl-rs, Debian package libpve-rs-perl, Proxmox repository only);
# pve-network main renders the FRR configuration there.  It dies with a
# marker the harness reports as "needs proxmox-perl-rs", not as a pass.

use strict;
use warnings;

our $NEEDS_RUST = 'pve-harness stand-in: needs proxmox-perl-rs (Rust)';

sub get_frr_raw_config { die "$NEEDS_RUST: PVE::RS::SDN::get_frr_raw_config\n"; }

1;
EOF

cat >"$standins/PVE/RS/SDN/Fabrics.pm" <<'EOF'
package PVE::RS::SDN::Fabrics;

# pve-harness stand-in (pve-network >= 1.0 only).  The real module is Rust
# (proxmox-perl-rs).  Models only an EMPTY fabrics configuration (no
# interfaces, no daemons), which is what every zone without a fabric sees;
# anything else dies with the "needs proxmox-perl-rs" marker.

use strict;
use warnings;
use PVE::RS::SDN;

sub _new {
    my ($class, $cfg) = @_;
    die "$PVE::RS::SDN::NEEDS_RUST: fabrics configured\n"
        if $cfg && (ref($cfg) ? %$cfg : $cfg =~ /\S/);
    return bless {}, $class;
}

sub config { return _new(@_); }
sub running_config { return _new(@_); }
sub status { return {}; }
sub get_interfaces_etc_network_config { return ''; }
sub enabled_daemons { return []; }

our $AUTOLOAD;

sub AUTOLOAD {
    my $method = $AUTOLOAD =~ s/.*:://r;
    return if $method eq 'DESTROY';
    die "$PVE::RS::SDN::NEEDS_RUST: PVE::RS::SDN::Fabrics::$method\n";
}

1;
EOF

# Records where each PVE module came from (loaded with PERL5OPT), to prove
# hooks.t ran against the real modules and not our CI stand-ins.
mkdir -p "$work/inccheck"
cat >"$work/inccheck/PveHarnessInc.pm" <<'EOF'
package PveHarnessInc;
END {
    if (my $log = $ENV{PVE_HARNESS_INC_LOG}) {
        open(my $fh, '>>', $log) or return;
        print $fh "$_\t$INC{$_}\n" for grep { m{^PVE/} } sort keys %INC;
    }
}
1;
EOF

# Reads run_test_zones.pl's TAP (stdout and stderr merged), gives each
# fixture directory a verdict and prints the summary line.
cat >"$work/summarize.pl" <<'EOF'
use strict;
use warnings;

my ($label, $log, $testdir, $ours) = @ARGV;

chdir($testdir) or die "chdir $testdir: $!\n";
my @fixtures = grep { -d } glob './zones/*/*'; # what run_test_zones.pl runs

my (%asserts, %bad, %rust, %warnings, %report, @pending_warn, @pre, @stray);
my ($plan, $pending_err, $last_failed) = (undef, undef, undef);
open(my $fh, '<', $log) or die "$log: $!\n";
while (my $line = <$fh>) {
    chomp $line;
    if ($line =~ /^(not )?ok \d+(?: - (.*))?$/) {
        my ($failed, $name) = ($1, $2 // '?');
        $asserts{$name}++;
        push @{ $warnings{$name} }, @pending_warn;
        $last_failed = undef;
        if ($failed) {
            if (defined($pending_err) && $pending_err =~ /needs proxmox-perl-rs/) {
                $rust{$name}++;
            } else {
                $bad{$name}++;
                push @{ $report{$name} }, @pre, $line;
                $last_failed = $name;
            }
        }
        $pending_err = undef;
        @pending_warn = ();
        @pre = ();
    } elsif ($line =~ /^# got unexpected error - (.*)$/) {
        $pending_err = $1;
        push @pre, $line;
    } elsif ($line =~ /^1\.\.(\d+)$/) {
        $plan = $1;
    } elsif ($line =~ /^#/) {
        push @{ $report{$last_failed} }, $line if defined($last_failed); # the diff
    } elsif ($line =~ /\S/) {
        push @pending_warn, $line; # a warn() of the code under test
        push @pre, $line;
        push @stray, $line;
    }
}
close($fh);

my $nasserts = 0;
$nasserts += $_ for values %asserts;
my @problems;
push @problems, "run_test_zones.pl did not finish (no plan line):\n"
    . join('', map { "    | $_\n" } grep { defined } @stray[0 .. 19])
    if !defined($plan);
push @problems, "run_test_zones.pl ran $nasserts of $plan tests"
    if defined($plan) && $plan != $nasserts;

sub slurp_lines {
    my ($file) = @_;
    return [] if !-f $file;
    open(my $in, '<', $file) or die "$file: $!\n";
    my @lines = grep { /\S/ } map { chomp; $_ } <$in>;
    return \@lines;
}

my ($passed, $failed, $partial, $unchecked, $ours_n, $ours_passed) = (0, 0, 0, 0, 0, 0);
my @unchecked_names;
for my $f (@fixtures) {
    my $is_ours = $f =~ m{^\./zones/ipv6only/};
    $ours_n++ if $is_ours;
    my $verdict;
    if (!$asserts{$f}) {
        $verdict = 'fail';
        push @problems, "$f: not run";
    } elsif ($bad{$f}) {
        $verdict = 'fail';
        push @problems, "$f: FAILED\n" . join('', map { "    | $_\n" } @{ $report{$f} // [] });
    } elsif ($rust{$f}) {
        if ($is_ours) {
            $verdict = 'fail';
            push @problems, "$f: reached proxmox-perl-rs (the ipv6only zone must not)";
        } elsif ($rust{$f} == $asserts{$f}) {
            $verdict = 'unchecked';
            push @unchecked_names, $f;
        } else {
            $verdict = 'partial';
        }
    } else {
        $verdict = 'pass';
    }
    if ($is_ours && $verdict eq 'pass') {
        # our own addition to the format: the warnings the case must print
        my ($case) = $f =~ m{([^/]+)$};
        my $want = slurp_lines("$ours/$case/expected_warnings");
        my $got = $warnings{$f} // [];
        if (join("\n", @$want) ne join("\n", @$got)) {
            $verdict = 'fail';
            push @problems, "$f: warnings differ from expected_warnings:\n"
                . join('', map { "    expected: $_\n" } @$want)
                . join('', map { "    got:      $_\n" } @$got);
        }
    }
    $passed++ if $verdict eq 'pass';
    $ours_passed++ if $is_ours && $verdict eq 'pass';
    $failed++ if $verdict eq 'fail';
    $partial++ if $verdict eq 'partial';
    $unchecked++ if $verdict eq 'unchecked';
}
# a fixture name in the TAP that is no directory would be a parsing slip
for my $name (sort keys %asserts) {
    push @problems, "unexpected test name '$name' in the TAP output"
        if !grep { $_ eq $name } @fixtures;
}

print "  $_\n" for @problems;
my $line = "$label: " . ($passed + $partial) . " fixtures passed, $failed failed"
    . " (ipv6only: $ours_passed of $ours_n)";
# fixtures whose FRR output or fabrics only the Rust side (proxmox-perl-rs) makes
$line .= "; without proxmox-perl-rs: FRR config of $partial of them not compared"
    if $partial;
$line .= ", $unchecked fixtures not checked ("
    . join(' ', map { s{^\./zones/}{}r } @unchecked_names) . ")"
    if $unchecked;
print "$line\n";
exit(@problems ? 1 : 0);
EOF

# --- one version ----------------------------------------------------------------

# pve-network 0.9.9 (PVE 8) with the pve-common/pve-cluster it was released
# against: "bump version to 8.2.9" and "bump version to 8.0.10".
declare -A pin_099=(
    [net]=3b2e57499e74d85fd2b0627ff9fab769d3bfb4e5
    [common]=5d5b3abe6da80c5eea5233bd1486246acc9e12ab
    [cluster]=3749d370ac2e1e73d2558f8dbe5d7f001651157c
)

main_ref() {
    local dir=$1 ref
    for ref in refs/heads/master refs/remotes/origin/master HEAD; do
        if git -C "$dir" rev-parse -q --verify "$ref^{commit}" >/dev/null; then
            git -C "$dir" rev-parse "$ref^{commit}"
            return
        fi
    done
    die "$dir: no master branch and no HEAD"
}

export_tree() { # gitdir commit destdir name
    local dir=$1 commit=$2 dest=$3 name=$4
    git -C "$dir" cat-file -e "$commit^{commit}" 2>/dev/null \
        || die "$name commit $commit is not in $dir (a full clone is needed)"
    mkdir -p "$dest"
    git -C "$dir" archive --format=tar "$commit" | tar -x -C "$dest"
    local ver
    ver=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$dest/debian/changelog" 2>/dev/null || true)
    echo "  $name ${ver:-?} at $(git -C "$dir" rev-parse --short=12 "$commit")"
}

overall=0
summaries=()

run_version() {
    local v=$1 vdir="$work/$1" net common cluster
    if [ "$v" = 0.9.9 ]; then
        net=${pin_099[net]} common=${pin_099[common]} cluster=${pin_099[cluster]}
    else
        net=$(main_ref "$net_git") common=$(main_ref "$common_git") cluster=$(main_ref "$cluster_git")
    fi
    echo "== pve-network $v"
    export_tree "$net_git" "$net" "$vdir/pve-network" pve-network
    export_tree "$common_git" "$common" "$vdir/pve-common" pve-common
    export_tree "$cluster_git" "$cluster" "$vdir/pve-cluster" pve-cluster

    local src="$vdir/pve-network/src"
    # generated at build time in pve-cluster, from pmxcfs's header
    make -s -C "$vdir/pve-cluster/src/PVE/Cluster" IPCConst.pm

    # the node layout ovs-nat64-sdn-register works on: <root>/usr/share/perl5
    mkdir -p "$vdir/root/usr/share"
    ln -s "$src" "$vdir/root/usr/share/perl5"
    cp "$plugin" "$src/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm"
    local zones_pm="$src/PVE/Network/SDN/Zones.pm"
    local lib="$standins:$src:$vdir/pve-common/src:$vdir/pve-cluster/src"
    if [ -x "$register_tool" ]; then
        echo "  registering with sdn-plugin/ovs-nat64-sdn-register"
        # --verify: the tool loads the patched Zones.pm (real modules via PERL5LIB)
        if ! PERL5LIB="$lib" "$register_tool" apply --root "$vdir/root" --no-reload --verify 2>&1 \
            | sed 's/^/  /'; then
            die "ovs-nat64-sdn-register apply failed for pve-network $v"
        fi
    else
        echo "  registering with sed (sdn-plugin/ovs-nat64-sdn-register not found)"
        grep -q '^PVE::Network::SDN::Zones::Plugin->init();' "$zones_pm" \
            || die "no 'PVE::Network::SDN::Zones::Plugin->init();' line in $zones_pm"
        sed -i '/^PVE::Network::SDN::Zones::Plugin->init();/i\
use PVE::Network::SDN::Zones::Ipv6OnlyPlugin; # ovs-nat64\
PVE::Network::SDN::Zones::Ipv6OnlyPlugin->register(); # ovs-nat64' "$zones_pm"
    fi
    local n
    n=$(grep -c '^PVE::Network::SDN::Zones::Ipv6OnlyPlugin->register(); # ovs-nat64$' "$zones_pm" || true)
    [ "$n" = 1 ] || die "$zones_pm: the ipv6only type is registered $n times, not once"
    [ -f "$src/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm" ] || die "plugin missing in $src"

    mkdir -p "$src/test/zones/ipv6only"
    cp -R "$fixtures"/. "$src/test/zones/ipv6only/"

    local vfail=0

    # 1. all zone fixtures, pve-network's and ours, in pve-network's harness
    local log="$vdir/run_test_zones.log"
    (cd "$src/test" && PERL5LIB="$lib" perl run_test_zones.pl >"$log" 2>&1) || true
    local summary
    if summary=$(perl "$work/summarize.pl" "pve-network $v" "$log" "$src/test" "$fixtures"); then :; else vfail=1; fi
    echo "$summary"
    summaries+=("$(tail -n 1 <<<"$summary")")

    # 2. the API module compiles with the type registered, and the schema
    #    pvesh/the API validates against has our keys
    local api_out
    if api_out=$(cd "$src" && PERL5LIB="$lib" perl -c PVE/API2/Network/SDN/Zones.pm 2>&1 \
        && PERL5LIB="$lib" perl -e '
            use strict; use warnings;
            use PVE::API2::Network::SDN::Zones;
            use PVE::JSONSchema;
            my $types = PVE::Network::SDN::Zones::Plugin->lookup_types();
            print "lookup_types: @$types\n";
            die "ipv6only is not a registered zone type\n" if !grep { $_ eq "ipv6only" } @$types;
            my $create = PVE::Network::SDN::Zones::Plugin->createSchema();
            my $api = PVE::API2::Network::SDN::Zones->map_method_by_name("create")->{parameters};
            my $update = PVE::API2::Network::SDN::Zones->map_method_by_name("update")->{parameters};
            for my $key (qw(nat64-prefix dns64 dns64-server ra)) {
                die "createSchema() lacks $key\n" if !$create->{properties}->{$key};
                die "the create API call lacks $key\n" if !$api->{properties}->{$key};
                die "the update API call lacks $key\n" if !$update->{properties}->{$key};
            }
            print "createSchema/API create/update: nat64-prefix dns64 dns64-server ra present\n";
            my $ok = { type => "ipv6only", zone => "z6", "nat64-prefix" => "64:ff9b::/96",
                dns64 => "local", "dns64-server" => "2001:db8::53", ra => 0 };
            PVE::JSONSchema::validate($ok, $api, "valid create parameters rejected: ");
            my $bad = { %$ok, "nat64-prefix" => "192.0.2.0/24" };
            eval { PVE::JSONSchema::validate($bad, $api, "") };
            die "an IPv4 nat64-prefix passed the create schema\n" if !$@;
            print "create parameters validate; an IPv4 nat64-prefix is rejected\n";
            my $bad_ra = { %$ok, ra => "maybe" };
            eval { PVE::JSONSchema::validate($bad_ra, $api, "") };
            die "ra \"maybe\" passed the create schema\n" if !$@;
            print "ra must be a boolean\n";
        ' 2>&1); then
        printf '%s\n' "$api_out" | sed 's/^/  /'
        summaries+=("pve-network $v API: ipv6only registered, schema OK")
        echo "${summaries[-1]}"
    else
        printf '%s\n' "$api_out" | sed 's/^/  /'
        summaries+=("pve-network $v API: FAILED")
        echo "${summaries[-1]}"
        vfail=1
    fi

    # 3. our hook tests against the real pve-common/pve-network modules
    if [ -f "$hooks_t" ]; then
        local inc="$vdir/hooks-inc.txt" hooks_log="$vdir/hooks.log"
        if PVE_REAL_MODULES=1 PVE_HARNESS_INC_LOG="$inc" PERL5OPT="-I$work/inccheck -MPveHarnessInc" \
            PERL5LIB="$lib" prove "$hooks_t" >"$hooks_log" 2>&1; then
            if grep -q '/stand-in/' "$inc" 2>/dev/null; then
                grep '/stand-in/' "$inc" | sed 's/^/  stand-in loaded: /'
                summaries+=("pve-network $v hooks.t: FAILED (loaded CI stand-ins)")
                echo "${summaries[-1]}"
                vfail=1
            else
                tail -n 1 "$hooks_log" | sed 's/^/  /'
                summaries+=("pve-network $v hooks.t: passed against the real modules")
                echo "${summaries[-1]}"
                awk -F'\t' '$1=="PVE/Exception.pm" || $1=="PVE/Network/SDN/Zones/Plugin.pm" {print "  " $1 " from " $2}' "$inc" \
                    | sed "s|$work/||"
            fi
        else
            sed 's/^/  | /' "$hooks_log"
            summaries+=("pve-network $v hooks.t: FAILED")
            echo "${summaries[-1]}"
            vfail=1
        fi
    else
        summaries+=("pve-network $v hooks.t: not present, skipped")
        echo "${summaries[-1]}"
    fi

    [ "$vfail" = 0 ] || overall=1
}

for v in "${versions[@]}"; do
    run_version "$v"
done

echo "== summary"
printf '%s\n' "${summaries[@]}"
exit "$overall"
