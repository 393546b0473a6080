# A real PgBouncer (Debian's package) in transaction pooling mode, configured from
# config/pgbouncer/pgbouncer.ini with a SCRAM userlist from make_userlist.sh, in front of a
# server with the extension. Several clients drive the extension's functions through it at once,
# each passing its user per transaction with SET LOCAL assistant_hub.user_id; the test shows that
# they really share server connections and that no client ever sees another one's user or rows.
use strict;
use warnings;
use File::Copy;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pgbouncer = '/usr/sbin/pgbouncer';
plan skip_all => "pgbouncer is not installed ($pgbouncer)" unless -x $pgbouncer;
my $project = $ENV{PROJECT_DIR} or die 'PROJECT_DIR must point at the project';

my $node = PostgreSQL::Test::Cluster->new('pgbouncer_backend');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'assistant_hub'
listen_addresses = '127.0.0.1'
password_encryption = 'scram-sha-256'
});
# Unix socket for the test harness; TCP (PgBouncer's way in) only with SCRAM.
open(my $hba, '>', $node->data_dir . '/pg_hba.conf') or die $!;
print $hba "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n";
close $hba;
$node->start;

my $users = 6;
$node->safe_psql('postgres', 'CREATE DATABASE assistant_hub');
$node->safe_psql('assistant_hub', qq{
    CREATE EXTENSION assistant_hub;
    SELECT assistant_hub.create_hub_schema();
    SELECT assistant_hub.generate_demo_data($users, 30);
    CREATE ROLE app_user LOGIN PASSWORD 'app-secret';
    SELECT assistant_hub.grant_app_role('app_user');
});
my @uids = split /\n/, $node->safe_psql('assistant_hub', 'SELECT id FROM hub.users ORDER BY id');
is(scalar @uids, $users, "$users demo users");
# What each user should see: its own task count and dashboard (computed here as superuser).
my %tasks_of = map { split /\|/ }
  split /\n/, $node->safe_psql('assistant_hub',
    'SELECT u.id, count(t.*) FROM hub.users u LEFT JOIN hub.tasks t ON t.user_id = u.id GROUP BY u.id');
my %dashboard_of = map { split /\|/ }
  split /\n/, $node->safe_psql('assistant_hub',
    'SELECT u.id, (SELECT row(d.*)::text FROM assistant_hub.dashboard_summary(u.id) d) FROM hub.users u');

# The auth_file: SCRAM secrets from pg_authid, no password in clear.
my $dir = PostgreSQL::Test::Utils::tempdir;
my $userlist = "$dir/userlist.txt";
$node->command_ok([ "$project/config/pgbouncer/make_userlist.sh", $userlist, 'app_user' ],
    'make_userlist.sh writes the auth_file');
my $secrets = slurp_file($userlist);
like($secrets, qr/^"app_user" "SCRAM-SHA-256\$4096:/, 'the auth_file holds a SCRAM secret');
unlike($secrets, qr/app-secret/, 'and no plaintext password');
$node->command_fails([ "$project/config/pgbouncer/make_userlist.sh", "$dir/none.txt", 'no_such_role' ],
    'make_userlist.sh fails for a role without a SCRAM secret');

# The shipped configuration, with this test's paths and ports. The pool is made small (2) so
# that six clients must share server connections; every other setting is the shipped one.
my $bport = PostgreSQL::Test::Cluster::get_free_port();
my $ini = slurp_file("$project/config/pgbouncer/pgbouncer.ini");
my $backend = 'host=127.0.0.1 port=' . $node->port . ' dbname=assistant_hub';
my %override = (
    listen_port => $bport, unix_socket_dir => $dir, auth_file => $userlist,
    logfile => "$dir/pgbouncer.log", pidfile => "$dir/pgbouncer.pid",
    default_pool_size => 2, min_pool_size => 0);
for my $k (keys %override) {
    $ini =~ s/^\Q$k\E\s*=.*$/$k = $override{$k}/m or die "setting $k not in pgbouncer.ini";
}
$ini =~ s/^assistant_hub\s*=.*$/assistant_hub = $backend/m or die 'no [databases] entry';
# A second entry to the same database with a single server connection, for the control below.
$ini =~ s/^(assistant_hub = .*)$/$1\nsession_state_demo = $backend pool_size=1/m;
like($ini, qr/^pool_mode = transaction$/m, 'transaction pooling');
like($ini, qr/^auth_type = scram-sha-256$/m, 'SCRAM authentication');
open(my $fh, '>', "$dir/pgbouncer.ini") or die $!;
print $fh $ini;
close $fh;

my ($bout, $berr) = ('', '');
my $bouncer = IPC::Run::start([ $pgbouncer, "$dir/pgbouncer.ini" ], '>', \$bout, '2>', \$berr);
$ENV{PGPASSWORD} = 'app-secret';
my @via = ('-h', '127.0.0.1', '-p', $bport, '-U', 'app_user');
my $up = 0;
for (1 .. 100) {
    my ($rc) = run_psql('assistant_hub', 'SELECT 1');
    if ($rc == 0) { $up = 1; last; }
    select(undef, undef, undef, 0.1);
}
ok($up, 'PgBouncer accepts SCRAM logins and reaches the server') or diag(slurp_file("$dir/pgbouncer.log"));

sub run_psql {
    my ($db, $sql) = @_;
    my ($out, $err) = ('', '');
    IPC::Run::run([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', @via, '-d', $db, '-c', $sql ],
        '>', \$out, '2>', \$err);
    chomp $out;
    return ($? >> 8, $out, $err);
}

# Six clients at once, 12 transactions each. In every transaction a client first looks at what
# the server connection carries over (user setting, visible rows), then sets its user with SET
# LOCAL and calls the extension's functions.
my $rounds = 12;
my @clients;
for my $c (0 .. $users - 1) {
    my $uid = $uids[$c];
    my $script = '';
    for my $r (1 .. $rounds) {
        $script .= qq{BEGIN;
SELECT 'before', $c, pg_backend_pid(), current_setting('assistant_hub.user_id'),
       (SELECT count(*) FROM hub.tasks), (SELECT count(*) FROM hub.users);
SET LOCAL assistant_hub.user_id = '$uid';
SELECT pg_sleep(0.01);
SELECT 'during', $c, pg_backend_pid(), current_setting('assistant_hub.user_id'),
       (SELECT count(*) FROM hub.tasks),
       (SELECT count(*) FROM hub.tasks WHERE user_id <> '$uid'),
       (SELECT string_agg(id::text, ',') FROM hub.users),
       (SELECT row(d.*)::text FROM assistant_hub.dashboard_summary('$uid') d);
COMMIT;
};
    }
    my %client = (id => $c, in => $script, out => '', err => '');
    $client{h} = IPC::Run::start(
        [ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-F', '|', @via, '-d', 'assistant_hub' ],
        '<', \$client{in}, '>', \$client{out}, '2>', \$client{err});
    push @clients, \%client;
}
my (%backend_clients, @leaks, @wrong);
my $during = 0;
for my $client (@clients) {
    ok($client->{h}->finish, "client $client->{id} ran all its transactions")
      or diag($client->{err});
    my $uid = $uids[ $client->{id} ];
    for my $line (split /\n/, $client->{out}) {
        my ($what, $c, $pid, $setting, @counts) = split /\|/, $line;
        $backend_clients{$pid}{$c} = 1;
        if ($what eq 'before') {
            # Nothing from an earlier transaction, whoever ran it on this server connection.
            push @leaks, $line if $setting ne '' || $counts[0] != 0 || $counts[1] != 0;
        } elsif ($what eq 'during') {
            $during++;
            push @wrong, $line
              if $setting ne $uid || $counts[0] != $tasks_of{$uid} || $counts[1] != 0
              || $counts[2] ne $uid || $counts[3] ne $dashboard_of{$uid};
        }
    }
}
is($during, $users * $rounds, 'every transaction reported back');
is_deeply(\@leaks, [], 'no transaction starts with a user or rows left by another client');
is_deeply(\@wrong, [], 'inside its transaction each client sees exactly its own user, rows and dashboard');
my @shared = grep { keys %{ $backend_clients{$_} } > 1 } keys %backend_clients;
ok(keys %backend_clients <= 2, 'at most 2 server connections served the 6 clients (pool size 2)');
ok(@shared >= 1, 'server connections were shared between clients');

# The extension's functions through the pooler: RLS-checked writes, and a write for another user
# refused.
my ($rc, $out, $err) = run_psql('assistant_hub', qq{
    BEGIN;
    SET LOCAL assistant_hub.user_id = '$uids[0]';
    INSERT INTO hub.tasks (user_id, title) VALUES ('$uids[0]', 'via pgbouncer');
    SELECT count(*) FROM hub.tasks WHERE title = 'via pgbouncer';
    COMMIT;});
is($out, '1', 'a write with SET LOCAL user lands for that user');
($rc, $out, $err) = run_psql('assistant_hub', qq{
    BEGIN;
    SET LOCAL assistant_hub.user_id = '$uids[0]';
    INSERT INTO hub.tasks (user_id, title) VALUES ('$uids[1]', 'someone else''s');
    COMMIT;});
like($err, qr/row-level security/, 'a write for another user is refused');
($rc, $out) = run_psql('assistant_hub', 'SELECT count(*) FROM hub.tasks');
is($out, '0', 'and after all that, a bare query still sees no rows');

# Control: what SET LOCAL avoids. A plain SET outlives the transaction on the server connection,
# and transaction pooling runs no reset query, so the next client on that connection inherits it.
run_psql('session_state_demo', "SET assistant_hub.user_id = '$uids[2]'");
($rc, $out) = run_psql('session_state_demo',
    "SELECT current_setting('assistant_hub.user_id') || '|' || (SELECT count(*) FROM hub.tasks)");
is($out, "$uids[2]|$tasks_of{$uids[2]}",
    'control: a session-level SET leaks to the next client (why the application must use SET LOCAL)');

$bouncer->signal('TERM');
$bouncer->finish;
$node->stop;
done_testing();
