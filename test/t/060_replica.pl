# A primary and a streaming hot standby set up with current settings (wal_keep_size,
# standby.signal, primary_conninfo; no recovery.conf, no wal_keep_segments). The dashboards and
# analytics answer the same on both; slow-query capture works on the standby without writing;
# write functions fail there with a clear error.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'assistant_hub'
wal_keep_size = '256MB'
});
$primary->start;
$primary->safe_psql('postgres', q{
    CREATE EXTENSION assistant_hub;
    SELECT assistant_hub.create_hub_schema();
    SELECT assistant_hub.generate_demo_data(20, 60);
    SELECT assistant_hub.create_metric('contacts_added', 'hub.contacts', 'user_id', 'created_at');
});

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# The standby is set up the current way.
ok(-f $standby->data_dir . '/standby.signal', 'standby.signal marks the standby');
ok(!-e $standby->data_dir . '/recovery.conf', 'no recovery.conf');
like($standby->safe_psql('postgres', 'SHOW primary_conninfo'), qr/port=\d+/,
    'primary_conninfo is a setting');
is($primary->safe_psql('postgres', 'SHOW wal_keep_size'), '256MB', 'wal_keep_size on the primary');
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

# Writes after the base backup reach the standby by streaming.
$primary->safe_psql('postgres', q{
    SELECT assistant_hub.generate_demo_data(5, 30);
    SELECT assistant_hub.consolidate_metrics();
});
$primary->wait_for_catchup($standby);
is($primary->safe_psql('postgres',
        "SELECT state FROM pg_stat_replication WHERE application_name = 'standby'"),
    'streaming', 'the standby streams from the primary');

# Same answers on both. "Since" is fixed once, so both servers get the same arguments.
my $since = $primary->safe_psql('postgres', "SELECT now() - interval '12 weeks'");
my @users = split /\n/, $primary->safe_psql('postgres',
    'SELECT id FROM hub.users ORDER BY created_at DESC, id LIMIT 8');
my %queries;
for my $uid (@users) {
    $queries{"dashboard_summary $uid"} = "SELECT * FROM assistant_hub.dashboard_summary('$uid')";
    $queries{"mood_trend $uid"} =
      "SELECT * FROM assistant_hub.mood_trend('$uid', current_date - 60, current_date)";
    $queries{"task_completion_weekly $uid"} =
      "SELECT * FROM assistant_hub.task_completion_weekly('$uid', '$since')";
    $queries{"metric_daily $uid"} =
      "SELECT * FROM assistant_hub.metric_daily('contacts_added', '$uid', current_date - 60, current_date)";
    $queries{"dashboard_metrics of $uid"} =
      "SELECT * FROM assistant_hub.dashboard_metrics WHERE user_id = '$uid' ORDER BY week_start, metric_type";
}
$queries{dashboard_metrics} =
  'SELECT * FROM assistant_hub.dashboard_metrics ORDER BY user_id, week_start, metric_type';
$queries{'verify_metric'} = "SELECT * FROM assistant_hub.verify_metric('contacts_added')";
my $nonempty = 0;
for my $name (sort keys %queries) {
    my $on_primary = $primary->safe_psql('postgres', $queries{$name});
    $nonempty++ if $on_primary ne '';
    is($standby->safe_psql('postgres', $queries{$name}), $on_primary, "$name: same on the standby");
}
ok($nonempty >= scalar(@users) * 3, 'the compared answers have rows');
# The dashboard cache the primary's consolidation wrote serves the standby's one-user reads.
like($standby->safe_psql('postgres', "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON)
        SELECT * FROM assistant_hub.dashboard_metrics WHERE user_id = '$users[0]'"),
    qr/"Users From Cache": 1\b/, 'a one-user dashboard read on the standby comes from the cache');
# And the summary cache serves its dashboard_summary reads.
is($standby->safe_psql('postgres', "SELECT count(*) FROM assistant_hub.dashboard_summary('$users[0]');
        SELECT from_cache, from_indexes, by_sql FROM assistant_hub._dashboard_summary_paths()"),
    "1\n1|0|0", 'a dashboard_summary read on the standby comes from the summary cache');
is($standby->safe_psql('postgres', "SELECT count(*) FROM assistant_hub.verify_metric('contacts_added')"),
    '0', 'the metric is exact on the standby');

# Slow-query capture on the standby: the statement shows in pending_slow_queries() (shared
# memory); nothing is written, and flushing it to the table is refused there.
$standby->safe_psql('postgres', q{
    SET assistant_hub.slow_query_ms = 0;
    SELECT count(*) FROM hub.journal_entries WHERE mood_score > 3;
});
like($standby->safe_psql('postgres', q{
        SELECT string_agg(query_text, E'\n') FROM assistant_hub.pending_slow_queries()
        WHERE query_text LIKE '%journal_entries%mood_score%'}),
    qr/mood_score > \$1/, 'the standby captured the statement, normalized');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM assistant_hub.query_performance_log'),
    $primary->safe_psql('postgres', 'SELECT count(*) FROM assistant_hub.query_performance_log'),
    'and nothing was written to the log table');

# Write functions fail on the standby with a clear error (SQLSTATE 25006).
my %writes = (
    run_maintenance => 'SELECT assistant_hub.run_maintenance()',
    run_cleanup => 'CALL assistant_hub.run_cleanup()',
    create_metric => "SELECT assistant_hub.create_metric('m2', 'hub.tasks', 'user_id', 'created_at')",
    consolidate_metrics => 'SELECT assistant_hub.consolidate_metrics()',
    flush_slow_queries => 'SELECT assistant_hub.flush_slow_queries()',
    generate_demo_data => 'SELECT assistant_hub.generate_demo_data(1, 1)',
);
for my $fn (sort keys %writes) {
    my ($rc, $out, $err) = $standby->psql('postgres', "\\set VERBOSITY verbose\n$writes{$fn}");
    isnt($rc, 0, "$fn fails on the standby");
    like($err, qr/ERROR:  25006: .*(hot standby|read-only transaction|during recovery)/,
        "$fn: a clear read-only error, 25006");
}
my ($rc, $out, $err) = $standby->psql('postgres', 'SELECT assistant_hub.run_maintenance()');
like($err, qr/run_maintenance cannot run on a hot standby/, 'run_maintenance says why');
like($err, qr/HINT:  Connect to the primary \(target_session_attrs=read-write\)/, 'and where to run it');
# The pending statement is still in the ring after the refused flush.
isnt($standby->safe_psql('postgres', q{SELECT count(*) FROM assistant_hub.pending_slow_queries()
        WHERE query_text LIKE '%mood_score%'}), '0', 'the captured statement is still pending');

# Routing: a libpq multi-host connection string finds each role (README, "Read/write routing").
my $hosts = join ',', map { $_->host } ($standby, $primary);
my $ports = join ',', map { $_->port } ($standby, $primary);
for ([ 'read-write', 'f' ], [ 'prefer-standby', 't' ], [ 'standby', 't' ], [ 'primary', 'f' ]) {
    my ($attrs, $in_recovery) = @$_;
    my $connstr = "host=$hosts port=$ports dbname=postgres target_session_attrs=$attrs";
    my ($out, $err) = ('', '');
    IPC::Run::run([ 'psql', '-XAtq', '-d', $connstr, '-c', 'SELECT pg_is_in_recovery()' ],
        '>', \$out, '2>', \$err);
    chomp $out;
    is($out, $in_recovery, "target_session_attrs=$attrs reaches the "
        . ($in_recovery eq 't' ? 'standby' : 'primary'));
}

$standby->stop;
$primary->stop;
done_testing();
